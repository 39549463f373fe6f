/**
 * Every REST route of the hub, as `METHOD /path` with `:param` segments: part of the contract with the
 * dashboard and with scripts. The hub's tests check that it serves exactly these (besides its own API
 * description at /api/docs and /api/openapi.json), and the dashboard's that it calls nothing else.
 */
export const API_ROUTES = [
  // Sessions and the first admin
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'PUT /api/auth/password',
  'GET /api/auth/setup',
  'POST /api/auth/setup',
  // People
  'GET /api/users',
  'GET /api/users/:username',
  'POST /api/users',
  'PATCH /api/users/:username',
  'DELETE /api/users/:username',
  // Device credentials and MQTT-SN sensors
  'GET /api/device-credentials',
  'POST /api/device-credentials',
  'POST /api/device-credentials/:username/sn-addresses',
  'DELETE /api/device-credentials/:username/sn-addresses/:address',
  'POST /api/device-credentials/:username/rotate',
  'POST /api/device-credentials/:username/revoke',
  'DELETE /api/device-credentials/:username',
  'POST /api/device-credentials/import',
  'GET /api/device-credentials/export',
  'GET /api/mqtt-sn/predefined',
  'GET /api/mqtt-sn/claims',
  'POST /api/mqtt-sn/claims/:id/accept',
  'DELETE /api/mqtt-sn/claims/:id',
  'GET /api/health',
  'GET /api/listeners',
  // An external broker asking who may connect and do what (EMQX, mosquitto-go-auth)
  'POST /api/mqtt-auth/emqx/authn',
  'POST /api/mqtt-auth/emqx/authz',
  'POST /api/mqtt-auth/go-auth/user',
  'POST /api/mqtt-auth/go-auth/superuser',
  'POST /api/mqtt-auth/go-auth/acl',
  // Entities and devices
  'GET /api/entities',
  'GET /api/entities/:id',
  'POST /api/entities',
  'PATCH /api/entities/:id',
  'POST /api/entities/:id/command',
  'GET /api/devices',
  'GET /api/topics/unmapped',
  // History and energy
  'GET /api/history/:id',
  'GET /api/export.csv',
  'GET /api/energy',
  'GET /api/energy/meters',
  'PUT /api/energy/meters/:entityId',
  'GET /api/energy/tariffs',
  'PUT /api/energy/tariffs',
  'GET /api/energy/insights',
  'GET /api/energy/power',
  // Settings and rules
  'GET /api/settings',
  'PUT /api/settings',
  'GET /api/rules',
  'GET /api/rules/:id',
  'POST /api/rules',
  'PUT /api/rules/:id',
  'DELETE /api/rules/:id',
  'POST /api/rules/:id/run',
  'GET /api/rules/:id/traces',
  // Web Push to people's browsers
  'GET /api/push/key',
  'GET /api/push/subscriptions',
  'POST /api/push/subscriptions',
  'DELETE /api/push/subscriptions/:id',
  'POST /api/push/test',
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
