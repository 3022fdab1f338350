/**
 * TIP's own small view of a log-based message broker. kafkajs is in maintenance mode: keeping it
 * behind this interface lets another client of the same family (@confluentinc/kafka-javascript)
 * take its place by configuration, touching nothing but an adapter.
 */
export interface OutgoingMessage {
  /** Messages with one key keep their order (one partition); null or a label when `partition` is given. */
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Send to this partition instead of the key's. */
  partition?: number;
}

export interface IncomingMessage {
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Messages of one partition, in order; the handler's success commits them. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Tells the group this member is alive: call it while a batch takes long (waits, retries). */
  heartbeat(): Promise<void>;
}

export interface MessageProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas, in the order given. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topic: string;
  /**
   * Called per partition batch, one at a time per partition; offsets are committed after it
   * resolves, a moment later and with others': a handled batch may be delivered again.
   */
  handle(batch: PartitionBatch): Promise<void>;
  /** Where a group with no committed offset starts; default the beginning. */
  fromBeginning?: boolean;
  /**
   * Where a group with no committed offset on a partition starts instead, when its consumers know
   * (the next offset each partition owes them, by partition): a group new to a topic whose
   * messages are applied already, as after the groups were renamed, starts where they stand
   * instead of fetching the whole retained topic again only to pass it over.
   */
  startOffsets?(): Promise<ReadonlyMap<number, number>>;
}

export interface MessageConsumer {
  stop(): Promise<void>;
}

/** How far a consumer group is behind one partition, by the broker's own offsets. */
export interface PartitionLag {
  partition: number;
  /** The partition's end: the offset the next message will get (the high watermark). */
  end: number;
  /** The group's committed offset (the next message it will read); null before it commits any. */
  committed: number | null;
  /** Messages between the two (from the partition's first kept message when nothing is committed). */
  lag: number;
}

export interface MessageBroker {
  /** An idempotent producer: retries never duplicate, and a key's messages keep their order. */
  producer(): Promise<MessageProducer>;
  consume(options: ConsumerOptions): Promise<MessageConsumer>;
  /** The group's lag on each partition of the topic, from the broker's offsets. */
  consumerLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  /** Creates the topic with that many partitions unless it exists; answers how many it has. */
  ensureTopic(topic: string, partitions: number): Promise<number>;
  /** The partition a key's messages go to on a topic of that many partitions (the client's own choice). */
  partitionOf(key: string, partitions: number): number;
  close(): Promise<void>;
}
