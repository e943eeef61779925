import type { ListQueryDto } from '@outcomes/contracts';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';

/** What a service answers for one page: rows with an `id`, and whether more follow. */
export interface Listed {
  readonly data: readonly { readonly id: string }[];
  readonly has_more: boolean;
}

/** Cursor pagination over a service's keyset listing: the cursor wraps the last id of a page. */
export async function listPage(query: ListQueryDto, fetch: (after: string | undefined, limit: number) => Promise<Listed>): Promise<Page<unknown>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { data, has_more } = await fetch(after, query.limit ?? 20);
  const last = data.at(-1);
  return { object: 'list', data: [...data], has_more, next_cursor: has_more && last ? encodeCursor(last.id) : null };
}
