// Module hooks for the start-up test: report every heavy package a command loads (resolve runs for each import).
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url);
  if (m && /^(openai|ora|@inquirer\/prompts|zod|yaml)$/.test(m[1])) process.stderr.write(`jupiter-test-loaded ${m[1]}\n`);
  return result;
}
