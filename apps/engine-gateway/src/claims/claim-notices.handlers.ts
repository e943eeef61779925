import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ClaimNotices, type ClaimFiledData } from './claim-notices';

@Controller()
export class ClaimNoticesHandlers {
  constructor(private readonly notices: ClaimNotices) {}

  @EventPattern('evt.claim.ClaimFiled')
  filed(@Payload() event: { readonly data: ClaimFiledData }): Promise<void> {
    return this.notices.deliver(event.data);
  }
}
