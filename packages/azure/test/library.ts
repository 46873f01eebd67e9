/**
 * The v4 library's own invocation path, run from the TypeScript source `@azure/functions` ships
 * next to its bundle: `InvocationModel.getArguments()` turns the host's RPC invocation request
 * (trigger metadata and input as typed data) into the trigger argument and `InvocationContext`
 * a handler gets, as it does in the worker. Nothing of the conversion is written again here.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InvocationContext } from '@azure/functions';

/** One RPC typed datum as the worker hands it to the library (`{ string }`, `{ json }`, `{ collectionString }`...). */
export type RpcTypedData = Readonly<Record<string, unknown>>;

interface Model {
  getArguments(): Promise<{ context: InvocationContext; inputs: unknown[] }>;
}

type ModelClass = new (coreContext: unknown) => Model;

async function modelClass(): Promise<ModelClass> {
  const require = createRequire(import.meta.url);
  const root = dirname(dirname(require.resolve('@azure/functions')));
  const module = (await import(join(root, 'src', 'InvocationModel.ts'))) as { InvocationModel: ModelClass };
  return module.InvocationModel;
}

/** What the host sends for one invocation. */
export interface HostInvocation {
  /** The trigger binding's type, e.g. `serviceBusTrigger`. */
  readonly triggerType: string;
  /** The binding as the host describes it (`dataType`, ...). */
  readonly binding?: Readonly<Record<string, unknown>>;
  /** Trigger metadata with the host's (PascalCase) names. */
  readonly triggerMetadata: Readonly<Record<string, RpcTypedData>>;
  /** The trigger's input data. */
  readonly input: RpcTypedData;
}

/**
 * The trigger argument and the real `InvocationContext` the library builds from what the host sends.
 *
 * @example
 * const { trigger, context } = await libraryInvocation({ triggerType: 'serviceBusTrigger', triggerMetadata, input });
 */
export async function libraryInvocation(
  host: HostInvocation,
  log: (level: string, category: string, message: string) => void = () => undefined,
): Promise<{ trigger: unknown; context: InvocationContext }> {
  const InvocationModel = await modelClass();
  const model = new InvocationModel({
    invocationId: 'inv-1',
    metadata: { name: 'fn', bindings: { trigger: { ...host.binding, type: host.triggerType, direction: 'in' } } },
    request: {
      triggerMetadata: host.triggerMetadata,
      inputData: [{ name: 'trigger', data: host.input }],
    },
    state: 'invocation',
    log,
  });
  const { context, inputs } = await model.getArguments();
  return { trigger: inputs[0], context };
}
