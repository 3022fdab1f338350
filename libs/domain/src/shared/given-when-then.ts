import { Decider } from './decider';
import { RuleViolation } from './rule-violation';

/**
 * Given these events, when this command, then these events (or this rule error). A thin layer
 * over expect for decider specs; it keeps tests at the level of the domain's own words.
 */
export function specFor<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return (...given: Event[]) => ({
    when: (command: Command) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        then: (...expected: Event[]) => expect(run()).toEqual(expected),
        thenNothingHappens: () => expect(run()).toEqual([]),
        thenRefuses: (code: string, details?: Record<string, unknown>) => {
          let refusal: unknown;
          try {
            run();
          } catch (error) {
            refusal = error;
          }
          expect(refusal).toBeInstanceOf(RuleViolation);
          expect((refusal as RuleViolation).code).toBe(code);
          if (details) expect((refusal as RuleViolation).details).toMatchObject(details);
        },
      };
    },
  });
}
