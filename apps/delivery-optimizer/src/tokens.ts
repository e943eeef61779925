export const RUNTIME = Symbol('RUNTIME');
export const OPTIMIZER_CONFIG = Symbol('OPTIMIZER_CONFIG');
