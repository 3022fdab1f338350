import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, CommandResponse } from './api-under-test';

/** What a scenario needs of the API: commands and views, as an actor. */
export type ScenarioApi = Pick<ApiUnderTest, 'send' | 'get'>;

export type Body = Record<string, unknown>;

/** The platform itself, importing history: it sends each command as its actor at its business time. */
export const importer: Actor = { sub: 'importer', role: 'system' };

/** China Standard Time, as the notices' calendars are written. */
export const cst = (local: string) => `${local}+08:00`;
export const utc = (local: string) => new Date(cst(local)).toISOString();

/** A valid 18-digit ID number: area code + date of birth + sequence (odd for men) + check character. */
export function idNumberFor(areaCode: string, birthDate: string, gender: 'male' | 'female', sequence: number): string {
  const order = String(sequence * 2 + (gender === 'male' ? 1 : 0)).padStart(3, '0');
  const first17 = `${areaCode}${birthDate.replace(/-/g, '')}${order}`;
  return `${first17}${idNumberCheckCharacter(first17)}`;
}

/**
 * A region's programme walked through its calendar over HTTP: `act` sends a command as `actor` at
 * business time `when` (China local), through system's `at` and `actor` as an import of history
 * does, so every deadline and permission applies without waiting.
 */
export function scenarioOver(api: () => ScenarioApi) {
  /** The global position of the last event any command of the scenario appended: views wait for it. */
  let lastPosition = 0;
  const act = async (actor: Actor, when: string, name: string, body: Body): Promise<CommandResponse> => {
    const response =
      actor.role === 'system'
        ? await api().send(actor, name, { ...body, at: cst(when) })
        : await api().send(importer, name, { ...body, at: cst(when), actor });
    if (typeof response.body.position === 'number') lastPosition = Math.max(lastPosition, response.body.position);
    return response;
  };

  /** `act`, expecting the command accepted (200, no error); the name and body say which one was not. */
  const accepted = async (actor: Actor, when: string, name: string, body: Body): Promise<CommandResponse> => {
    const response = await act(actor, when, name, body);
    expect({ name, body, status: response.status, error: response.body.error }).toMatchObject({
      status: 200,
      error: undefined,
    });
    return response;
  };

  /** 200, no error, and exactly these event types in this order; gives the events back. */
  function expectEvents(response: CommandResponse, types: string[]): Body[] {
    const events = response.body.events ?? [];
    expect({ status: response.status, error: response.body.error, types: events.map((event) => event.type) }).toEqual({
      status: 200,
      error: undefined,
      types,
    });
    return events;
  }

  /** 422 with this contract code (and these details, where given). */
  function expectRefused(response: CommandResponse, code: string, details?: Body): void {
    const { status, body } = response;
    // The message is there to read when the code is not the one expected.
    expect({ status, code: body.error?.code, message: body.error?.message }).toEqual({
      status: 422,
      code,
      message: expect.any(String),
    });
    if (details) expect(body.error?.details).toMatchObject(details);
  }

  /** 403: the rulebook (or the hierarchy) names someone else for this. */
  function expectForbidden(response: CommandResponse): void {
    expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  }

  /** A view as `actor` once the read model has caught up with every command sent so far (or `minPosition`). */
  async function view<T = Body>(
    actor: Actor,
    path: string,
    minPosition = lastPosition,
  ): Promise<{ status: number; body: T }> {
    const separator = path.includes('?') ? '&' : '?';
    const response = await api().get<T>(actor, `${path}${separator}minPosition=${minPosition}`);
    return { status: response.status, body: response.body };
  }

  /** The public check of a certificate code (no token). */
  async function verify(code: string): Promise<Body> {
    const response = await api().get<Body>(undefined, `/certificates/${encodeURIComponent(code)}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  return {
    act,
    accepted,
    /** The global position of the last event appended so far: a view asked with it has every command sent. */
    position: () => lastPosition,
    expectEvents,
    expectRefused,
    expectForbidden,
    view,
    verify,
  };
}
