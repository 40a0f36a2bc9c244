/**
 * The first server-sent event of a streaming response (text up to its blank line), then the
 * stream is let go: enough for a test that only needs the snapshot a REST SSE read starts with.
 */
export async function firstSseEvent(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const reader = response.body?.getReader();
  let text = '';
  while (!text.includes('\n\n') && reader !== undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  abort.abort();
  return { status: response.status, text };
}
