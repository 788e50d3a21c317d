// A node:test reporter that prints nothing until the run ends, then one entry
// per failed test (its file, line, name and the first lines of its error).
// Suites that failed only because a test in them failed are left out.
export default async function* failures(source) {
  const failed = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    const error = details?.error;
    if (error?.failureType === 'subtestsFailed') continue;
    failed.push({ name, file, line, error });
  }
  yield `\n# failed tests: ${failed.length}\n`;
  for (const f of failed) {
    const cause = f.error?.cause ?? f.error;
    const text = String(cause?.stack ?? cause).split('\n').slice(0, 8).join('\n#     ');
    yield `# FAILED ${f.file ?? '?'}:${f.line ?? '?'} ${f.name}\n#     ${text}\n`;
  }
}
