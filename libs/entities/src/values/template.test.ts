import { describe, expect, it } from 'vitest';
import { compileTemplate, renderTemplate, type TemplateErrorCode } from './template.js';

/** Compiles and renders with `value` = payload and `value_json` = its JSON (when it is JSON). */
function render(source: string, payload: string, variables: Record<string, unknown> = {}): unknown {
  const compiled = compileTemplate(source, ['value', 'value_json', ...Object.keys(variables)]);
  if (!compiled.ok) throw new Error(`compile failed: ${compiled.error.message}`);
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    // value_json stays undefined, as in Home Assistant
  }
  const result = renderTemplate(compiled.template, { value: payload, ...(json === undefined ? {} : { value_json: json }), ...variables });
  return result.ok ? result.value : { failed: result.reason };
}

const tasmotaSensor = '{"Time":"2022-01-11T21:57:38","ENERGY":{"Total":3.705,"Power":5,"Voltage":233,"Current":0.021,"ExportTariff":[0.5,1.25]}}';

// [template seen in a real discovery config, payload, value] — sources in fixtures/ and the comments.
const realTemplates: [string, string, string, unknown][] = [
  ['raw value (HA docs mqtt.publish example)', '{{ value|float }}', '21.5', 21.5],
  ['Tasmota relay', '{{value_json.POWER}}', '{"POWER":"ON"}', 'ON'],
  ['Tasmota energy', "{{value_json['ENERGY']['Power']}}", tasmotaSensor, 5],
  ['Tasmota array element', "{{value_json['ENERGY']['ExportTariff'][1]}}", tasmotaSensor, 1.25],
  ['Zigbee2MQTT', '{{ value_json["temperature"] }}', '{"temperature":23.2}', 23.2],
  ['Zigbee2MQTT availability', '{{ value_json.state }}', '{"state":"online"}', 'online'],
  ['Zigbee2MQTT bridge', '{{ value_json.permit_join | lower }}', '{"permit_join":true}', 'true'],
  ['Zigbee2MQTT fan', `{{ value_json["fan_speed"] | default('None') }}`, '{}', 'None'],
  ['OpenMQTTGateway', '{{ value_json.tempc | is_defined }}', '{"tempc":19.5}', 19.5],
  ['OpenMQTTGateway', '{{ value_json.tempc  | round(1)}}', '{"tempc":19.46}', 19.5],
  ['Tasmota iFan03 fan speed', '{{value_json.FanSpeed*1/3*100}}', '{"FanSpeed":3}', 100],
  ['ESPEasy state', "{{'event,ha2_'+value|string}}", '1', 'event,ha2_1'],
  ['nested path', '{{ value_json.coordinator.meta.revision }}', '{"coordinator":{"meta":{"revision":20211029}}}', 20211029],
];

describe('templates from real devices', () => {
  for (const [source, template, payload, expected] of realTemplates) {
    it(`${source}: ${template}`, () => {
      expect(render(template, payload)).toEqual(expected);
    });
  }
});

describe('template features', () => {
  it('keeps literal text around expressions and renders a string', () => {
    expect(render('{{ value_json.t }} °C', '{"t":21.5}')).toBe('21.5 °C');
    expect(render('T={{ value_json.t }}, H={{ value_json.h }}%', '{"t":21,"h":40}')).toBe('T=21, H=40%');
  });

  it('returns the value itself for a single expression, ignoring whitespace around it', () => {
    expect(render('  {{ value_json.n }}\n', '{"n":7}')).toBe(7);
    expect(render('{{ value_json.on }}', '{"on":true}')).toBe(true);
  });

  it('prints booleans and None the way Jinja does inside text', () => {
    expect(render('{{ value_json.a }}/{{ value_json.b }}', '{"a":true,"b":null}')).toBe('True/None');
    expect(render('{{ value_json.a | string }}', '{"a":false}')).toBe('False');
  });

  it('does arithmetic with + - * / and precedence', () => {
    expect(render('{{ (value_json.x | float) * 10 }}', '{"x":"2.5"}')).toBe(25);
    expect(render('{{ value_json.x - 2 * 3 }}', '{"x":10}')).toBe(4);
    expect(render('{{ -value_json.x + 1 }}', '{"x":3}')).toBe(-2);
    expect(render('{{ (1 + 2) * 3 }}', '')).toBe(9);
  });

  it('concatenates with ~', () => {
    expect(render("{{ value_json.r ~ ',' ~ value_json.g }}", '{"r":1,"g":2}')).toBe('1,2');
  });

  it('chooses with if/else, comparisons and boolean operators', () => {
    const onOff = "{{ 'ON' if value_json.state == 'on' else 'OFF' }}";
    expect(render(onOff, '{"state":"on"}')).toBe('ON');
    expect(render(onOff, '{"state":"off"}')).toBe('OFF');
    expect(render("{{ 'hot' if value_json.t > 30 and not value_json.raining else 'ok' }}", '{"t":31,"raining":false}')).toBe('hot');
    expect(render("{{ 'yes' if 1 < value_json.n <= 3 else 'no' }}", '{"n":3}')).toBe('yes');
    expect(render("{{ 'x' if value_json.a or value_json.b else 'y' }}", '{"a":0,"b":""}')).toBe('y');
  });

  it('tests with is defined / is not none', () => {
    expect(render('{{ value_json.x if value_json.x is defined else 0 }}', '{}')).toBe(0);
    expect(render("{{ 'set' if value_json.x is not none else 'none' }}", '{"x":null}')).toBe('none');
  });

  it('converts with float, int, round, string, lower, upper and their defaults', () => {
    expect(render('{{ value | float }}', ' 3.5 ')).toBe(3.5);
    expect(render('{{ value | int }}', '3.9')).toBe(3);
    expect(render('{{ value | float(0) }}', 'n/a')).toBe(0);
    expect(render('{{ value_json.x | round(2) }}', '{"x":1.23456}')).toBe(1.23);
    expect(render("{{ value_json.x | round(0, 'floor') }}", '{"x":1.9}')).toBe(1);
    expect(render('{{ value | upper }}', 'on')).toBe('ON');
    expect(render("{{ value_json.x | default('') | lower }}", '{"x":"ON"}')).toBe('on');
    expect(render("{{ value_json.x | default('none', true) }}", '{"x":""}')).toBe('none');
  });

  it('strips whitespace with {{- and -}} and skips comments', () => {
    expect(render('a  {{- value -}}  b{# why #}', 'X')).toBe('aXb');
  });

  it('reads string escapes and both quote styles', () => {
    expect(render(`{{ "it's" ~ 'a \\'b\\'' }}`, '')).toBe("it'sa 'b'");
  });

  it('sees the extra variables of command templates', () => {
    expect(render('{{ red }},{{ green }},{{ blue }}', '', { red: 1, green: 2, blue: 3 })).toBe('1,2,3');
  });
});

describe('rendering fails with a reason, never a throw', () => {
  const failures: [string, string, string][] = [
    ['a missing key', '{{ value_json.missing }}', 'no .missing in the object'],
    ['a key of a missing key', '{{ value_json.a.b }}', 'no .a in the object'],
    ['an index out of range', '{{ value_json.l[5] }}', 'out of range'],
    ['a payload that is not JSON', '{{ value_json.x }}', 'value_json is undefined'],
    ['float of text without default', '{{ value_json.s | float }}', 'float got invalid input "abc" and no default'],
    ['is_defined on a missing key', '{{ value_json.nope | is_defined }}', 'no .nope'],
    ['division by zero', '{{ value_json.n / 0 }}', 'division by zero'],
    ['arithmetic on text', '{{ value_json.s * 2 }}', "cannot use '*' on string"],
    ['ordering text and numbers', '{{ value_json.s > 1 }}', 'cannot compare'],
    ['if without else that is false', "{{ 'x' if value_json.n > 5 }}", 'the condition is false'],
  ];
  for (const [what, template, reason] of failures) {
    it(what, () => {
      const payload = what === 'a payload that is not JSON' ? 'not json' : '{"s":"abc","n":1,"l":[1]}';
      expect(render(template, payload)).toEqual({ failed: expect.stringContaining(reason) });
    });
  }

  it('text built longer than 1 MiB, by ~, + or text around outputs', () => {
    const payload = 'x'.repeat(300 * 1024);
    for (const template of ['{{ value ~ value ~ value ~ value }}', '{{ value + value + value + value }}', '{{ value }}{{ value }}{{ value }}{{ value }}']) {
      expect(render(template, payload), template).toEqual({ failed: expect.stringContaining('longer than 1048576 characters') });
    }
    expect(render('{{ value ~ value ~ value }}', payload)).toHaveLength(900 * 1024);
  });

  it('renders an undefined part inside text as empty, as Jinja does', () => {
    expect(render('[{{ value_json.missing }}]', '{}')).toBe('[]');
  });
});

describe('compile errors are typed and point at the problem', () => {
  // [template, code, part of the message, position]
  const errors: [string, TemplateErrorCode, string, number][] = [
    ['{% if value %}on{% endif %}', 'unsupported', 'statements', 0],
    ['{{ value_json.x | regex_replace("a", "b") }}', 'unsupported', "filter 'regex_replace'", 18],
    ["{{ states('sensor.x') }}", 'unsupported', 'function calls', 3],
    ['{{ value.split(",")[0] }}', 'unsupported', 'method calls', 9],
    ['{{ value_json.x | round(precision=1) }}', 'unsupported', 'keyword arguments', 24],
    ['{{ value_json.x // 2 }}', 'unsupported', "'//'", 16],
    ["{{ value in ['a'] }}", 'unsupported', "'in'", 9],
    ['{{ [1, 2] }}', 'unsupported', 'list and dict literals', 3],
    ['{{ value_json.list[1:2] }}', 'unsupported', 'slices', 18],
    ['{{ this.state }}', 'unknown-variable', "unknown variable 'this'", 3],
    ['{{ value_json.x ', 'syntax', "'{{' is never closed", 0],
    ['{{ value_json. }}', 'syntax', 'attribute name expected', 15],
    ["{{ 'abc }}", 'syntax', 'string literal is never closed', 3],
    ['{{ value ) }}', 'syntax', "unexpected ')'", 9],
    ['{{ }}', 'syntax', 'expression expected', 3],
    ['{{ value | float(1, 2) }}', 'syntax', "filter 'float' takes 0 to 1 argument(s), got 2", 11],
    ['{{ if }}', 'syntax', "unexpected 'if'", 3],
    ['{{ value $ 1 }}', 'syntax', "unexpected character '$'", 9],
    ['{# never closed', 'syntax', "comment '{#' is never closed", 0],
    [`{{ ${'('.repeat(60)}1${')'.repeat(60)} }}`, 'too-complex', 'nests deeper', 3],
    [`{{ value }}${' '.repeat(5000)}`, 'too-complex', 'characters long', 0],
  ];
  for (const [template, code, message, position] of errors) {
    it(`${code}: ${template.slice(0, 40)}`, () => {
      const result = compileTemplate(template);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(code);
      expect(result.error.message).toContain(message);
      if (code !== 'too-complex' || position === 0) expect(result.error.position).toBe(position);
    });
  }

  it('does not treat prototype names as keywords or filters', () => {
    expect(compileTemplate('{{ constructor }}')).toMatchObject({ ok: false, error: { code: 'unknown-variable' } });
    expect(compileTemplate('{{ value | constructor }}')).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(render('{{ value_json.constructor | default(1) }}', '{}')).toBe(1);
  });
});

describe('compilation is cached', () => {
  it('returns the same compiled template for the same source and variables', () => {
    const a = compileTemplate('{{ value_json.cached }}');
    const b = compileTemplate('{{ value_json.cached }}');
    expect(a).toBe(b);
    expect(compileTemplate('{{ value }}', ['value'])).not.toBe(compileTemplate('{{ value }}'));
  });

  it('marks templates that need value_json', () => {
    const plain = compileTemplate('{{ value | int }}');
    const json = compileTemplate("{{ 'x' if value_json.a else 'y' }}");
    expect(plain.ok && plain.template.usesValueJson).toBe(false);
    expect(json.ok && json.template.usesValueJson).toBe(true);
  });
});
