/**
 * The raw source a portable kind stands for on each cloud, for `skyport events <cloud> <kind>`:
 * the trigger a function of that kind most often has there.
 */

/** The portable kinds, in the order Skyport lists them. */
export const portableKinds = ['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events'] as const;

/** One of `portableKinds`. */
export type PortableKind = (typeof portableKinds)[number];

/** The clouds whose samples are raw events. */
export type RawEventCloud = 'aws' | 'azure' | 'gcp';

/**
 * The source `skyport events <cloud> <kind>` prints, by cloud and kind. GCP `stream` is Pub/Sub as
 * `queue` is (the adapter reads a message as a stream record), and its `http` and `schedule` are
 * HTTP requests as `invoke --cloud gcp` takes them (a Cloud Scheduler job calls an HTTP target).
 *
 * @example
 * kindSources.aws.queue; // 'sqs'
 */
export const kindSources: Readonly<Record<RawEventCloud, Readonly<Record<PortableKind, string>>>> = {
  aws: {
    http: 'apiGatewayV2',
    queue: 'sqs',
    stream: 'kinesis',
    storage: 's3',
    schedule: 'scheduled',
    changes: 'dynamodb',
    events: 'eventBridge',
  },
  azure: {
    http: 'httpRequest',
    queue: 'queueMessage',
    stream: 'eventHubBatch',
    storage: 'blob',
    schedule: 'timer',
    changes: 'cosmosDocuments',
    events: 'eventGrid',
  },
  gcp: {
    http: 'httpRequest',
    queue: 'pubsubCloudEvent',
    stream: 'pubsubCloudEvent',
    storage: 'storageCloudEvent',
    schedule: 'schedulerRequest',
    changes: 'firestoreCloudEvent',
    events: 'cloudEvent',
  },
};
