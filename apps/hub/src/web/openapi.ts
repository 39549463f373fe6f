import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HUB_VERSION } from '../version.js';

/** The REST API's OpenAPI description at /api/openapi.json, and a browsable copy at /api/docs. */
export function publishOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder().setTitle('Hearth hub API').setVersion(HUB_VERSION).build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'api/openapi.json' });
}
