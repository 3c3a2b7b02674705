import { expect, test } from 'vitest';
import { markdownToText } from '../../api/markdown.ts';

test.each([
  ['emphasis and code lose their marks', 'Failover in **eu-west-1**; `db-3` is _degraded_.', 'Failover in eu-west-1; db-3 is degraded.'],
  ['links keep their words', 'See [the runbook](https://example.com/rb) now.', 'See the runbook now.'],
  ['bare links stay as they are', 'Details: https://example.com/x', 'Details: https://example.com/x'],
  ['lists and paragraphs become one line', '- API\n- Dashboard\n\nBoth recovered.', 'API Dashboard Both recovered.'],
  ['headings and quotes lose their marks', '# Update\n> quoted', 'Update quoted'],
  ['code blocks keep their text', '```\nerror 503\n```', 'error 503'],
  ['raw HTML is text, never markup', '<b>bold</b> & more', '<b>bold</b> & more'],
  ['an image shows its alt text', '![graph of errors](https://x/y.png)', 'graph of errors'],
  ['nothing', '', ''],
])('%s', (_, markdown, text) => {
  expect(markdownToText(markdown)).toBe(text);
});
