import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Actor } from '@tip/domain';
import { TokenVerifier } from '@tip/auth';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

export type AuthenticatedRequest = Request & { actor: Actor };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.actor = await this.verifier.actorFrom(request.headers.authorization);
    return true;
  }
}
