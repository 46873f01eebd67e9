/**
 * Amazon SNS, invoked asynchronously with (in practice) one record. There is no batch response:
 * a failed message fails the invocation so Lambda's async retries and on-failure destination
 * take over.
 */
import { createMessage, type Message } from '@skyport/core';
import { arnName, awsError, obj, str } from './read.js';
import type { RecordMapper } from './records.js';
import { snsAttributes } from './sqs.js';

/**
 * How SNS records become batch items (`Sns.MessageId`, attributes from `MessageAttributes`).
 *
 * @example
 * const items = mapRecords(event, 'queue', 'sns', snsRecords);
 */
export const snsRecords: RecordMapper<Message> = {
  id: (record) => str(obj(record.Sns)?.MessageId),
  map: (record) => {
    const sns = obj(record.Sns) ?? {};
    const message = sns.Message;
    // SNS always sends the message as a string: anything else fails the record, not run as ''.
    if (typeof message !== 'string') {
      throw awsError('INVALID_EVENT', `SNS record ${String(sns.MessageId)} has no string Message`, 'queue', 'sns');
    }
    return createMessage({
      id: str(sns.MessageId) ?? '',
      data: message,
      attributes: snsAttributes(sns.MessageAttributes),
      publishedAt: str(sns.Timestamp),
      source: arnName(sns.TopicArn),
      raw: record,
    });
  },
};
