// Asks a hub's /api/health `count` times, one after another, from its own process (so that only the hub
// is measured, not the test runner); prints each answer's status and milliseconds as JSON.
const { url, count } = JSON.parse(process.argv[2]);
// One first, not counted: a fresh process's first fetch pays for loading and setting up its HTTP client.
await (await fetch(url)).arrayBuffer();
const answers = [];
for (let i = 0; i < count; i++) {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  answers.push({ status: response.status, ms: performance.now() - started });
}
process.stdout.write(JSON.stringify(answers));
