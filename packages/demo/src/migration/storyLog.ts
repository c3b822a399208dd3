/** One verified fact of the story: what was checked, whether it held, and the evidence in a few words. */
export interface StoryCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The demo's narration: numbered steps, one line per fact, and checks whose failures decide the
 * result. Lines go to `print` as they happen (a newcomer watches the story unfold), and are kept.
 */
export class StoryLog {
  readonly lines: string[] = [];
  readonly checks: StoryCheck[] = [];
  /** The step being told, for naming where the story stopped. */
  currentStep = '';

  constructor(private readonly print: (line: string) => void = () => {}) {}

  step(title: string): void {
    this.currentStep = title;
    this.emit('', title);
  }

  fact(...lines: string[]): void {
    this.emit(...lines.map((l) => `   ${l}`));
  }

  /** Records a check and prints it with a mark: `ok` or `FAILED`. */
  check(name: string, ok: boolean, detail: string): boolean {
    this.checks.push({ name, ok, detail });
    this.emit(`   ${ok ? 'ok    ' : 'FAILED'} ${name}: ${detail}`);
    return ok;
  }

  get failed(): StoryCheck[] {
    return this.checks.filter((c) => !c.ok);
  }

  emit(...lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.print(line);
    }
  }
}
