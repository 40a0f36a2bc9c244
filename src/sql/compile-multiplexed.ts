import type { CompileOptions } from './compile-read.js';
import { quoteIdentifier } from './identifier.js';

/**
 * How a statement that will be multiplexed is compiled: its limits as parameters too, so that
 * cohorts whose limits differ share one statement (it runs once per interval: planning it
 * again costs nothing there).
 */
export function multiplexedOptions(options: CompileOptions): CompileOptions {
  return { ...options, limitsAsParameters: true };
}

/**
 * Many runs of one statement as one statement (Hasura's multiplexed live queries).
 *
 * `text` is a compiled statement (sql/ wrote it: every value a `$n::type` placeholder). The
 * multiplexed statement takes, for each of its parameters, an array with one value per
 * cohort (as text), unnests them side by side with the cohort's number, and runs `text`
 * LATERAL once per row of that set, its `$n` now reading the row's column `pn` — cast to the
 * same type as before, since every placeholder already carries its cast. The text is fixed
 * for a shape whatever the number of cohorts, so PostgreSQL plans it once per connection.
 *
 * Its parameters: `$1` the cohorts' numbers (int4[]), then `$2 … $(n+1)` one text[] per
 * parameter of `text`. Its rows: `cohort`, and the inner statement's columns.
 */
export function compileMultiplexed(text: string, parameterCount: number): string {
  const row = quoteIdentifier('pgduet_v');
  const inner = replacePlaceholders(text, (n) => `${row}.${quoteIdentifier(`p${n}`)}`);
  const columns = [quoteIdentifier('pgduet_cohort'), ...Array.from({ length: parameterCount }, (_v, i) => quoteIdentifier(`p${i + 1}`))];
  const arrays = ['$1::int4[]', ...Array.from({ length: parameterCount }, (_v, i) => `$${i + 2}::text[]`)];
  return (
    `select ${row}.${quoteIdentifier('pgduet_cohort')} as cohort, ${quoteIdentifier('pgduet_q')}.* ` +
    `from unnest(${arrays.join(', ')}) as ${row}(${columns.join(', ')}) ` +
    `cross join lateral (${inner}) as ${quoteIdentifier('pgduet_q')}`
  );
}

/**
 * `$n` placeholders of `text` replaced, outside quoted identifiers and string literals (the
 * only quoting sql/ writes: `"…"` and `'…'`, each with its quote doubled inside).
 */
export function replacePlaceholders(text: string, replace: (n: number) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) break;
        if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$') {
      let j = i + 1;
      while (j < text.length && (text[j] as string) >= '0' && (text[j] as string) <= '9') j++;
      if (j > i + 1) {
        out += replace(Number(text.slice(i + 1, j)));
        i = j;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}
