import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthGuard } from '../auth/auth.guard';

/**
 * The benchmarks' baseline: the same HTTP stack (JSON body, bearer token) doing nothing, so
 * command throughput can be read as a share of what the stack alone allows. Mounted only when
 * TIP_BENCH_ROUTES=1.
 */
@Controller('bench')
@UseGuards(AuthGuard)
export class NoopController {
  @Post('noop')
  @HttpCode(200)
  noop(@Body() body: unknown): { received: boolean } {
    return { received: body !== undefined };
  }
}
