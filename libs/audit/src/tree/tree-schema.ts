import { Migration, quoteIdentifier } from '@tip/event-store';

/** The audit tables' own record of applied migrations, beside the event store's. */
export const AUDIT_MIGRATIONS_TABLE = 'tip_audit_migrations';

/** Leaves are kept in chunks of 2^CHUNK_LEVEL; complete subtrees from that level up are kept as nodes. */
export const CHUNK_LEVEL = 8;
export const CHUNK_SIZE = 2 ** CHUNK_LEVEL;

export const auditMigrations: Migration[] = [
  {
    version: 1,
    name: 'Merkle tree and signed tree heads',
    sql: /* sql */ `
      -- The tree over the log in global order, grown after commit by the tree builder. Nothing
      -- here is trusted: a verifier rebuilds it from the events and compares roots with the
      -- signed tree heads, which only the holder of the signing key can make.
      create table tip_merkle_tree (
        singleton     boolean primary key default true check (singleton),
        size          bigint not null,
        last_position bigint not null,
        root          bytea not null,
        -- The roots of the complete subtrees along the right edge, largest first.
        frontier      bytea not null,
        updated_at    timestamptz not null default now()
      );
      insert into tip_merkle_tree (size, last_position, root, frontier)
      values (0, 0, sha256(''::bytea), ''::bytea);

      -- Leaf hashes in chunks of ${CHUNK_SIZE}, with the position of each leaf's event: where a
      -- verifier finds which event differs from the one the tree recorded, and proofs find leaves.
      -- positions: uint64 big-endian per leaf; leaves: 32 bytes per leaf.
      create table tip_merkle_chunks (
        chunk          bigint primary key,
        first_position bigint not null unique,
        last_position  bigint not null,
        positions      bytea not null,
        leaves         bytea not null
      );

      -- Roots of complete subtrees of ${CHUNK_SIZE} leaves and more: level L covers 2^L leaves from index * 2^L.
      create table tip_merkle_nodes (
        level smallint not null,
        index bigint not null,
        hash  bytea not null,
        primary key (level, index)
      );

      -- Signed tree heads (RFC 9162 TreeHeadDataV2 signed with Ed25519). reason: interval,
      -- week-end (week names the ISO week, Asia/Shanghai, that ended) or request.
      create table tip_tree_heads (
        id            bigserial primary key,
        tree_size     bigint not null,
        root_hash     bytea not null,
        timestamp_ms  bigint not null,
        last_position bigint not null,
        key_id        text not null,
        public_key    bytea not null,
        signature     bytea not null,
        reason        text not null,
        week          text
      );
      create index tip_tree_heads_size on tip_tree_heads (tree_size);
      create index tip_tree_heads_week on tip_tree_heads (week) where week is not null;

      create function tip_audit_refuse_change() returns trigger language plpgsql as $fn$
      begin
        raise exception '% is append-only: % refused', tg_table_name, tg_op
          using errcode = 'insufficient_privilege';
      end
      $fn$;
      create trigger tip_tree_heads_append_only before update or delete on tip_tree_heads
        for each row execute function tip_audit_refuse_change();
      create trigger tip_tree_heads_no_truncate before truncate on tip_tree_heads
        for each statement execute function tip_audit_refuse_change();
    `,
  },
];

/** What the application's role may do with the audit tables: grow the tree, add heads, never change one. */
export function auditGrants(role: string): string {
  const to = quoteIdentifier(role);
  return /* sql */ `
    grant select on ${AUDIT_MIGRATIONS_TABLE} to ${to};
    grant select, insert, update on tip_merkle_tree, tip_merkle_chunks to ${to};
    grant select, insert on tip_merkle_nodes to ${to};
    revoke all on tip_tree_heads from ${to};
    grant select, insert on tip_tree_heads to ${to};
    grant usage on sequence tip_tree_heads_id_seq to ${to};
  `;
}
