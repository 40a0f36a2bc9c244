/**
 * Smart comments: lines of a COMMENT that start with `@` are tags for pgduet, the rest is
 * the description clients see.
 *
 *     COMMENT ON TABLE app.person IS E'@name people\nA person we know.';
 *
 * Tags: `@omit` hides the object from both APIs; `@name new_name` renames it. Unknown tags
 * are kept out of the description and otherwise ignored, so comments written for other
 * tools (PostGraphile uses the same syntax) do not leak.
 */
export interface SmartComment {
  readonly description: string | undefined;
  readonly omit: boolean;
  readonly name: string | undefined;
}

export function parseSmartComment(comment: string | null | undefined): SmartComment {
  if (comment === null || comment === undefined) return { description: undefined, omit: false, name: undefined };
  let omit = false;
  let name: string | undefined;
  const text: string[] = [];
  for (const line of comment.split(/\r?\n/)) {
    const tag = /^\s*@([A-Za-z]+)(?:\s+(.*?))?\s*$/.exec(line);
    if (tag === null) {
      text.push(line);
      continue;
    }
    const [, key = '', value] = tag;
    if (key === 'omit') omit = true;
    else if (key === 'name' && value !== undefined && value !== '') name = value;
  }
  const description = text.join('\n').trim();
  return { description: description === '' ? undefined : description, omit, name };
}
