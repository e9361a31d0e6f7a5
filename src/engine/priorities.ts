/**
 * Priority classes for events at the same microsecond: lower runs first.
 *
 * State changes that take capacity away (failures) run before anything that would use it; work
 * finishing runs before new work arrives, so a slot freed at time t serves an arrival at t;
 * control loops look at the state after all traffic of that instant; samplers see the settled state.
 */
export const Priority = {
  fault: 0,
  completion: 1,
  arrival: 2,
  dispatch: 3,
  control: 4,
  sample: 5,
} as const;
