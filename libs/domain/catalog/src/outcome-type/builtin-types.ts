import type { DefectKind, MetricSpec, OutcomeTypeDefinition } from './outcome-type.events';

/**
 * The platform's taxonomy, published at the catalog's first start. Prices, claim windows and
 * coverage follow the public Outcomes Protocol design; a change here publishes a new version.
 */
const usd = (dollars: number): number => Math.round(dollars * 100) * 10_000;
const HOUR = 3600;

const bool = (name: string, description: string): MetricSpec => ({ name, type: 'boolean', description, operators: ['eq'] });
const int = (name: string, description: string, min?: number, max?: number): MetricSpec => ({
  name,
  type: 'integer',
  description,
  operators: ['eq', 'gt', 'gte', 'lt', 'lte'],
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const num = (name: string, description: string, min?: number, max?: number): MetricSpec => ({ ...int(name, description, min, max), type: 'number' });
const defects = (...pairs: Array<[string, string]>): DefectKind[] => pairs.map(([kind, description]) => ({ kind, description }));

const PAID_ON_DELIVERY = { windowDays: 7, defaultOutcome: 'success', rule: 'paid on delivery; a failure may be reported within 7 days, and defects are claimed within the claim window' } as const;

const CODE_EXCLUDED = defects(
  ['requirements_change', 'the requirements changed after delivery'],
  ['environmental_issue', 'infrastructure, configuration or dependencies outside the delivered code'],
  ['pre_existing_bug', 'a defect that was in the code before the work'],
);
const LEGAL_EXCLUDED = defects(
  ['change_in_law_after_delivery', 'a law or regulation that changed after delivery'],
  ['business_terms_chosen_by_buyer', 'commercial terms the buyer chose or instructed'],
);
const MEDICAL_EXCLUDED = defects(
  ['clinical_judgment_error', 'the documentation was accurate but the clinical decision was wrong'],
  ['downstream_treatment_decision', 'treatment decided on the basis of the document'],
  ['patient_harm_from_treatment', 'harm caused by treatment rather than by documentation'],
  ['malpractice_claim', 'malpractice claims against the provider'],
);

const guaranteed = (
  name: string,
  description: string,
  success: string,
  metrics: MetricSpec[],
  window: [min: number, def: number, max: number],
  price: [min: number, max: number],
  covered: DefectKind[],
  excluded: DefectKind[],
  deliverySeconds: number,
): OutcomeTypeDefinition => ({
  name,
  description,
  verification: 'guarantee_backed',
  successCriteria: { definition: success, metrics },
  claimWindow: { minDays: window[0], defaultDays: window[1], maxDays: window[2] },
  typicalPrice: { minMicros: usd(price[0]), maxMicros: usd(price[1]) },
  coverage: { covered, excluded },
  defaultDeliverySeconds: deliverySeconds,
  attribution: PAID_ON_DELIVERY,
});

const CODE_WINDOW: [number, number, number] = [7, 30, 90];
const LEGAL_READ_WINDOW: [number, number, number] = [7, 30, 365];
const DRAFT_WINDOW: [number, number, number] = [90, 730, 1095];
const MEDICAL_WINDOW: [number, number, number] = [30, 90, 365];

const legalDocMetrics = [bool('terms_complete', 'every required clause is present'), bool('jurisdiction_correct', 'governing law matches the request'), bool('party_info_correct', 'party details match the request')];

export const BUILTIN_OUTCOME_TYPES: ReadonlyArray<{ readonly key: string; readonly definition: OutcomeTypeDefinition }> = [
  {
    key: 'cs.resolve',
    definition: {
      name: 'Resolve Inquiry',
      description: 'Resolve a customer inquiry end to end; triage, deflection and hand-off are the engine’s means, not the outcome.',
      verification: 'capi_verified',
      successCriteria: {
        definition: 'Inquiry resolved without escalation and without the customer reopening it.',
        metrics: [
          bool('resolution_confirmed', 'the customer or the agent confirmed the resolution'),
          bool('no_reopen', 'the customer did not reopen the inquiry'),
          bool('escalated', 'the inquiry went to a human'),
          int('customer_satisfaction', 'CSAT score given by the customer', 1, 5),
          num('response_time_seconds', 'time to the first response', 0),
          bool('first_contact_resolution', 'resolved in the first conversation'),
          num('handle_time_seconds', 'length of the whole conversation', 0),
          num('outcome_value', 'value of the outcome to the buyer in USD (for ROAS goals)', 0),
        ],
      },
      claimWindow: null,
      typicalPrice: { minMicros: usd(0.15), maxMicros: usd(0.75) },
      coverage: { covered: [], excluded: [] },
      defaultDeliverySeconds: 300,
      attribution: { windowDays: 7, defaultOutcome: 'success', rule: 'successful when neither reopened nor escalated within 7 days' },
    },
  },
  {
    key: 'code.review',
    definition: guaranteed(
      'Code Review',
      'Review a pull request for bugs, security issues and style, with actionable feedback.',
      'The review is delivered and the engine affirms it is complete.',
      [int('bugs_found', 'bugs reported', 0), int('security_issues_found', 'security issues reported', 0), bool('review_completed', 'every changed file was reviewed'), num('false_positive_rate', 'share of findings that were not real', 0, 1)],
      CODE_WINDOW,
      [0.5, 5],
      defects(['missed_critical_bug', 'a bug in the reviewed code found in production'], ['missed_security_vulnerability', 'a vulnerability or exploit in the reviewed code'], ['false_approval', 'an approved change that should have been blocked']),
      CODE_EXCLUDED,
      HOUR,
    ),
  },
  {
    key: 'code.fix',
    definition: guaranteed(
      'Bug Fix',
      'Diagnose and fix a reported bug, with tests that prevent its return.',
      'A fix with regression tests is delivered and the engine affirms it is complete.',
      [bool('tests_pass', 'the test suite passes with the fix'), bool('bug_reproduced', 'the bug was reproduced before the fix'), int('regression_tests_added', 'tests added against the bug', 0)],
      CODE_WINDOW,
      [2, 25],
      defects(['incomplete_fix', 'the original bug is still reproducible'], ['introduced_regression', 'the fix introduced a new bug'], ['wrong_root_cause', 'the fix addressed a symptom, not the cause']),
      CODE_EXCLUDED,
      4 * HOUR,
    ),
  },
  {
    key: 'code.generate',
    definition: guaranteed(
      'Code Generation',
      'Generate code from a specification.',
      'Code meeting the specification is delivered and the engine affirms it is complete.',
      [bool('tests_pass', 'the delivered tests pass'), bool('spec_conformance', 'every requirement of the specification is implemented'), num('coverage_ratio', 'share of lines covered by tests', 0, 1)],
      CODE_WINDOW,
      [5, 50],
      defects(['spec_nonconformance', 'the code does not do what the specification says'], ['introduced_bug', 'a bug in the generated code'], ['security_vulnerability', 'a vulnerability in the generated code']),
      CODE_EXCLUDED,
      4 * HOUR,
    ),
  },
  {
    key: 'legal.review',
    definition: guaranteed(
      'Contract Review',
      'Review and redline a contract, flagging problematic clauses.',
      'The redline and risk summary are delivered and the engine affirms the review is complete.',
      [num('risk_score', 'overall risk, 0 (none) to 1 (severe)', 0, 1), int('clauses_flagged', 'clauses flagged for attention', 0), bool('review_completed', 'every clause was reviewed')],
      LEGAL_READ_WINDOW,
      [2, 15],
      defects(['missed_material_risk', 'a material risk in the contract went unreported and caused harm'], ['missed_problematic_clause', 'a problematic clause was not flagged'], ['incorrect_risk_assessment', 'a risk level was materially understated']),
      LEGAL_EXCLUDED,
      4 * HOUR,
    ),
  },
  {
    key: 'legal.summarize',
    definition: guaranteed(
      'Contract Summary',
      'Summarize a contract’s key terms, deadlines and risks.',
      'The summary is delivered and the engine affirms it is complete.',
      [bool('key_terms_covered', 'every key term is in the summary'), int('deadlines_captured', 'deadlines listed', 0), num('risk_score', 'overall risk, 0 to 1', 0, 1)],
      LEGAL_READ_WINDOW,
      [1, 5],
      defects(['missed_key_term', 'a material term was left out'], ['missed_deadline', 'a critical deadline was not captured'], ['misinterpretation', 'a term’s meaning was materially misstated']),
      LEGAL_EXCLUDED,
      2 * HOUR,
    ),
  },
  {
    key: 'legal.compare',
    definition: guaranteed(
      'Contract Comparison',
      'Compare versions of a contract and explain what changed.',
      'The comparison is delivered and the engine affirms it is complete.',
      [int('changes_identified', 'changes found between the versions', 0), bool('implications_explained', 'each material change has its implications'), num('risk_score', 'risk of the changes, 0 to 1', 0, 1)],
      LEGAL_READ_WINDOW,
      [8, 15],
      defects(['missed_material_change', 'a significant change between versions was not identified'], ['wrong_risk_implication', 'the implications of a change were materially misstated']),
      LEGAL_EXCLUDED,
      2 * HOUR,
    ),
  },
  {
    key: 'legal.draft_nda',
    definition: guaranteed(
      'Draft NDA',
      'Draft a non-disclosure agreement.',
      'The NDA draft is delivered and the engine affirms it is complete.',
      legalDocMetrics,
      DRAFT_WINDOW,
      [10, 50],
      defects(['enforceability_defect', 'a clause is unenforceable as drafted'], ['missing_required_clause', 'a clause the agreement needs is missing'], ['incorrect_party_information', 'party details are wrong']),
      LEGAL_EXCLUDED,
      4 * HOUR,
    ),
  },
  {
    key: 'legal.draft_msa',
    definition: guaranteed(
      'Draft MSA',
      'Draft a master services agreement.',
      'The MSA draft is delivered and the engine affirms it is complete.',
      [...legalDocMetrics, bool('liability_caps_set', 'liability caps follow the buyer’s policy')],
      DRAFT_WINDOW,
      [50, 200],
      defects(['drafting_defect', 'a drafting error with legal effect'], ['internal_conflict', 'two provisions contradict each other'], ['incorrect_payment_terms', 'payment terms differ from the instructions']),
      LEGAL_EXCLUDED,
      8 * HOUR,
    ),
  },
  {
    key: 'legal.draft_dpa',
    definition: guaranteed(
      'Draft DPA',
      'Draft a data processing agreement.',
      'The DPA draft is delivered with compliance notes and the engine affirms it is complete.',
      [...legalDocMetrics, bool('sccs_included', 'standard contractual clauses are included where required')],
      DRAFT_WINDOW,
      [15, 35],
      defects(['compliance_defect', 'the agreement does not meet an applicable regulation'], ['missing_sccs', 'standard contractual clauses are missing where required'], ['incomplete_security_measures', 'the security measures are not specified completely']),
      LEGAL_EXCLUDED,
      4 * HOUR,
    ),
  },
  {
    key: 'medical.scribe',
    definition: guaranteed(
      'Clinical Scribing',
      'Document a patient encounter in real time.',
      'The clinical note is delivered and the engine affirms it is complete.',
      [bool('note_signed', 'the clinician signed the note'), int('physician_edits', 'edits the clinician made before signing', 0), bool('sections_complete', 'every section of the template is filled'), num('documentation_accuracy', 'share of facts documented correctly', 0, 1)],
      MEDICAL_WINDOW,
      [1, 8],
      defects(
        ['factual_documentation_error', 'a wrong medication, dosage or clinical fact was documented'],
        ['critical_omission', 'material information from the encounter was not documented'],
        ['misattribution', 'a statement was attributed to the wrong party'],
        ['coding_error', 'an incorrect code affecting reimbursement'],
      ),
      MEDICAL_EXCLUDED,
      120,
    ),
  },
  {
    key: 'medical.code',
    definition: guaranteed(
      'Medical Coding',
      'Assign diagnosis and procedure codes to an encounter.',
      'The codes are delivered and the engine affirms they are complete.',
      [int('codes_assigned', 'codes assigned', 0), bool('claim_accepted', 'the payer accepted the claim'), num('coding_accuracy', 'share of codes found correct on audit', 0, 1)],
      MEDICAL_WINDOW,
      [0.5, 5],
      defects(['coding_error', 'an incorrect code affecting reimbursement'], ['missed_code', 'a billable diagnosis or procedure was not coded']),
      MEDICAL_EXCLUDED,
      1800,
    ),
  },
  {
    key: 'medical.summarize',
    definition: guaranteed(
      'Record Summary',
      'Summarize a patient’s history from their records.',
      'The summary is delivered and the engine affirms it is complete.',
      [bool('sections_complete', 'every requested section is present'), num('documentation_accuracy', 'share of facts summarized correctly', 0, 1)],
      MEDICAL_WINDOW,
      [1, 6],
      defects(['factual_error', 'a fact in the summary is wrong'], ['critical_omission', 'material history was left out']),
      MEDICAL_EXCLUDED,
      1800,
    ),
  },
  {
    key: 'medical.triage',
    definition: guaranteed(
      'Clinical Triage',
      'Assess the urgency of a case and route it.',
      'The triage decision is delivered and the engine affirms it is complete.',
      [{ name: 'urgency_level', type: 'string', description: 'the urgency assigned: emergent, urgent or routine', operators: ['eq', 'contains', 'matches'] }, bool('routed', 'the case reached the chosen destination'), num('time_to_triage_seconds', 'time from intake to decision', 0)],
      MEDICAL_WINDOW,
      [0.5, 3],
      defects(['misrouted_urgency', 'the urgency was materially understated or overstated'], ['critical_omission', 'a red-flag symptom was not considered']),
      MEDICAL_EXCLUDED,
      60,
    ),
  },
];
