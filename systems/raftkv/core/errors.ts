/** Thrown when an internal invariant of the core breaks: the node must crash rather than go on. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}
