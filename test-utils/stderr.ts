/** What this process wrote to stderr while `work` ran (nothing of it reaches the terminal). */
export async function stderrOf(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return lines.join('');
}
