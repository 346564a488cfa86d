/** One point per whole currency unit spent (integer minor units in, integer points out). */
export const pointsFor = (totalMinor: number): number => Math.floor(totalMinor / 100);
