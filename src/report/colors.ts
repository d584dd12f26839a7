import pc from 'picocolors';

/** picocolors bound to an explicit on/off, so reports never guess from the wrong stream. */
export type Colors = ReturnType<typeof pc.createColors>;

export function colors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** Colors only on a terminal, and never when the user set NO_COLOR (https://no-color.org). */
export function colorWanted(tty: boolean): boolean {
  return tty && !process.env.NO_COLOR;
}
