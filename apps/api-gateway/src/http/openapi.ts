import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** `/docs` (the browsable reference) and `/docs-json`, generated from the controllers and DTOs. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Outcomes API')
    .setDescription(
      'Buy AI labor by the result. Authenticate with `Authorization: Bearer <api key>`. Money is a decimal string in USD. ' +
        'Every POST takes an `Idempotency-Key` header: the same key with the same body returns the first answer. Errors share one shape: `{ "error": { status, code, message, fields } }`.',
    )
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (buyers) or the operator key' })
    .addGlobalParameters({ name: 'Idempotency-Key', in: 'header', required: false, description: 'POST only: retries with the same key and body return the first answer', schema: { type: 'string', maxLength: 255 } })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
