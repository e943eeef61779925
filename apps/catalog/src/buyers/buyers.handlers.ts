import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AuthenticateCommand, CATALOG_COMMANDS, CreateBuyerCommand, IssueKeyCommand, ListKeysCommand, RevokeKeyCommand, type AuthenticatedKey } from '@outcomes/contracts';
import { BuyersService, type BuyerRow, type KeyRow } from './buyers.service';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export const keyView = (k: KeyRow) => ({
  id: k.key_id,
  object: 'api_key',
  scope: k.scope,
  name: k.name,
  hint: k.hint,
  status: k.revoked_at === null ? 'active' : 'revoked',
  created_at: k.created_at.toISOString(),
  revoked_at: iso(k.revoked_at),
  last_used_at: iso(k.last_used_at),
});

const buyerView = (b: BuyerRow) => ({ id: b.buyer_id, object: 'buyer', name: b.name, email: b.email, created_at: b.created_at.toISOString() });

@Controller()
export class BuyersHandlers {
  constructor(private readonly buyers: BuyersService) {}

  @MessagePattern(CATALOG_COMMANDS.createBuyer)
  async create(@Payload() cmd: CreateBuyerCommand): Promise<unknown> {
    const { buyer, key, secret } = await this.buyers.create(cmd.buyer.name, cmd.buyer.email ?? null, cmd.actor);
    return { ...buyerView(buyer), api_key: { ...keyView(key), secret } };
  }

  @MessagePattern(CATALOG_COMMANDS.authenticate)
  authenticate(@Payload() cmd: AuthenticateCommand): Promise<AuthenticatedKey> {
    return this.buyers.authenticate(cmd.secret_hash);
  }

  @MessagePattern(CATALOG_COMMANDS.issueKey)
  async issue(@Payload() cmd: IssueKeyCommand): Promise<unknown> {
    const { key, secret } = await this.buyers.issue(cmd.buyer_id, cmd.key.scope ?? 'full', cmd.key.name ?? null, cmd.actor);
    return { ...keyView(key), secret };
  }

  @MessagePattern(CATALOG_COMMANDS.revokeKey)
  async revoke(@Payload() cmd: RevokeKeyCommand): Promise<unknown> {
    return keyView(await this.buyers.revoke(cmd.buyer_id, cmd.key_id, cmd.actor));
  }

  @MessagePattern(CATALOG_COMMANDS.listKeys)
  async list(@Payload() cmd: ListKeysCommand): Promise<unknown> {
    const { rows, hasMore } = await this.buyers.list(cmd.buyer_id, cmd.limit, cmd.after);
    return { data: rows.map(keyView), has_more: hasMore };
  }
}
