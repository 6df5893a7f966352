// Runs the graphql-http server audits (GraphQL-over-HTTP specification) against a URL.
// Usage: node scripts/http-audit.mjs http://127.0.0.1:8000/graphql
// Prints every audit that is not "ok" and a closing line; exits 1 on any error or warning.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node scripts/http-audit.mjs URL');
  process.exit(2);
}
let ok = 0;
let warn = 0;
let error = 0;
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  if (result.status === 'ok') {
    ok += 1;
    continue;
  }
  if (result.status === 'warn') warn += 1;
  else error += 1;
  console.log(`${result.status.toUpperCase()} ${audit.id} ${audit.name}: ${result.reason}`);
}
console.log(`GraphQL-over-HTTP audit: ${ok} ok, ${warn} warnings, ${error} errors`);
process.exit(warn + error === 0 ? 0 : 1);
