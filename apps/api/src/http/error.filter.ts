import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CommandConflict, CommandValidationFailed, Forbidden, SignInRefused, UnknownCommand } from '@tip/application';
import { NotPermitted, RuleViolation } from '@tip/domain';
import { DuplicateEventIdError, InvalidAppendError, isDatabaseUnavailable } from '@tip/event-store';
import { InvalidToken } from '@tip/auth';
import { ViewBehindError, ViewNotFound } from '@tip/projections';
import { OidcNotPermitted, OidcRoundTripFailed } from '../auth/oidc';
import { chineseMessage, prefersChinese } from './messages.zh-CN';
import { MalformedPath } from './malformed-path';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Every error leaves in the contract's shape; only our own faults become a 500. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.translate(exception);
    // The code stays; the message follows the caller's language.
    response.vary('Accept-Language');
    const request = host.switchToHttp().getRequest<Request | undefined>();
    if (prefersChinese(request?.headers?.['accept-language'])) {
      body.error.message = chineseMessage(body.error.code, body.error.details) ?? body.error.message;
      response.setHeader('Content-Language', 'zh-CN');
    }
    if (exception instanceof SignInRefused && exception.until !== undefined) {
      response.setHeader('Retry-After', Math.max(1, Math.ceil((Date.parse(exception.until) - Date.now()) / 1000)));
    }
    if (status === 500)
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (body.error.code === 'UNAVAILABLE') response.setHeader('retry-after', '2');
    response.status(status).json(body);
  }

  /** The status and body an error is answered with. */
  translate(exception: unknown): [number, ErrorBody] {
    const error = (code: string, message: string, details?: unknown): ErrorBody => ({
      error: details === undefined ? { code, message } : { code, message, details },
    });
    if (exception instanceof CommandValidationFailed)
      return [400, error('VALIDATION_FAILED', exception.message, exception.problems)];
    if (exception instanceof InvalidAppendError) {
      return [400, error('VALIDATION_FAILED', exception.message, [{ field: exception.field, rule: exception.rule }])];
    }
    if (exception instanceof MalformedPath)
      return [400, error('VALIDATION_FAILED', exception.message, [{ field: 'path', rule: MalformedPath.rule }])];
    if (exception instanceof InvalidToken) return [401, error('UNAUTHENTICATED', exception.message)];
    if (exception instanceof Forbidden) return [403, error('FORBIDDEN', exception.message)];
    if (exception instanceof SignInRefused) return signInRefusal(exception);
    if (exception instanceof OidcNotPermitted) return [403, error(exception.code, exception.message)];
    if (exception instanceof OidcRoundTripFailed) return [401, error('SIGN_IN_FAILED', exception.message)];
    // The rulebook names another level for this (a certificate the city issues, hours the county records).
    if (exception instanceof NotPermitted) return [403, error('FORBIDDEN', exception.message, exception.details)];
    if (exception instanceof UnknownCommand) return [404, error('NOT_FOUND', exception.message)];
    if (exception instanceof ViewNotFound) return [404, error('NOT_FOUND', exception.message)];
    if (exception instanceof ViewBehindError) {
      return [
        503,
        error('VIEW_BEHIND', exception.message, {
          readModel: exception.readModel,
          minPosition: exception.minPosition,
          position: exception.position,
        }),
      ];
    }
    if (exception instanceof CommandConflict) return [409, error('CONFLICT', exception.message)];
    // Event ids already stored by a different command: a reused key or a clash, never our 500.
    if (exception instanceof DuplicateEventIdError)
      return [409, error('CONFLICT', 'This command overlaps one already recorded; retry with a new Idempotency-Key')];
    if (exception instanceof RuleViolation) {
      // The domain guards its own input too; a shape problem is still the caller's 400, in the one shape.
      if (exception.code === 'VALIDATION_FAILED')
        return [400, error('VALIDATION_FAILED', exception.message, fieldProblems(exception))];
      return [422, error(exception.code, exception.message, exception.details)];
    }
    if (exception instanceof HttpException) return this.translateHttp(exception);
    if (isBodyParserError(exception)) return this.translateHttp(new HttpException(exception.message, exception.status));
    // A body sent with Content-Encoding that it does not have (zlib says so, without a status).
    if (isZlibError(exception)) {
      const rule = 'must be compressed as its Content-Encoding says (gzip, deflate or br)';
      return [400, error('VALIDATION_FAILED', `body: ${rule}`, [{ field: 'body', rule }])];
    }
    // The caller sent nothing wrong: the database is away (restarting, unreachable). Say so, without its details.
    if (isDatabaseUnavailable(exception))
      return [503, error('UNAVAILABLE', 'The database is not reachable at the moment; try again shortly')];
    return [500, error('INTERNAL', 'Something went wrong on our side; it has been logged')];
  }

  private translateHttp(exception: HttpException): [number, ErrorBody] {
    const status = exception.getStatus();
    const code =
      status === HttpStatus.NOT_FOUND
        ? 'NOT_FOUND'
        : status === HttpStatus.PAYLOAD_TOO_LARGE
          ? 'PAYLOAD_TOO_LARGE'
          : status === HttpStatus.UNSUPPORTED_MEDIA_TYPE
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : status === HttpStatus.METHOD_NOT_ALLOWED
              ? 'METHOD_NOT_ALLOWED'
              : status < 500
                ? 'VALIDATION_FAILED'
                : 'INTERNAL';
    const message =
      status === HttpStatus.BAD_REQUEST && /JSON/i.test(exception.message)
        ? 'The body is not valid JSON'
        : exception.message;
    const details = code === 'VALIDATION_FAILED' ? [{ field: 'body', rule: message }] : undefined;
    return [status, details ? { error: { code, message, details } } : { error: { code, message } }];
  }
}

const answers = new ErrorFilter();

/** The code an error is answered with: commands are counted by it. */
export function errorCodeOf(exception: unknown): string {
  return answers.translate(exception)[1].error.code;
}

/** Unknown user and wrong password answer alike, so the answer tells nobody which accounts exist. */
function signInRefusal(refusal: SignInRefused): [number, ErrorBody] {
  const until = refusal.until === undefined ? undefined : { until: refusal.until };
  switch (refusal.reason) {
    case 'unknown-user':
    case 'wrong-password':
      return [401, { error: { code: 'SIGN_IN_FAILED', message: refusal.message } }];
    case 'throttled':
      return [429, { error: { code: 'SIGN_IN_THROTTLED', message: refusal.message, details: until } }];
    case 'locked':
      return [423, { error: { code: 'ACCOUNT_LOCKED', message: refusal.message, details: until } }];
    case 'disabled':
      return [403, { error: { code: 'ACCOUNT_DISABLED', message: refusal.message } }];
    case 'not-permitted':
      return [403, { error: { code: 'SIGN_IN_NOT_PERMITTED', message: refusal.message } }];
  }
}

/** The domain's `{problems: [{field, problem}]}` as every VALIDATION_FAILED is shaped: `[{field, rule}]`. */
function fieldProblems(violation: RuleViolation): { field: string; rule: string }[] {
  const problems = (violation.details as { problems?: unknown } | undefined)?.problems;
  const listed = Array.isArray(problems)
    ? problems.flatMap((problem: { field?: unknown; problem?: unknown; rule?: unknown }) =>
        typeof problem?.field === 'string'
          ? [{ field: problem.field, rule: String(problem.rule ?? problem.problem ?? violation.message) }]
          : [],
      )
    : [];
  return listed.length > 0 ? listed : [{ field: 'body', rule: violation.message }];
}

function isZlibError(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  return exception instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}

/** Express's body parser reports malformed or oversized bodies with a status of its own. */
function isBodyParserError(exception: unknown): exception is Error & { status: number } {
  return (
    exception instanceof Error &&
    typeof (exception as { status?: unknown }).status === 'number' &&
    (exception as { type?: unknown }).type !== undefined
  );
}
