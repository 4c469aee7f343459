import type { GrpcMethodDefinition } from "@threadline/protocol";
import * as protocol from "@threadline/protocol";

type AnyMethod = GrpcMethodDefinition<unknown, unknown, unknown, unknown>;

let byPath: ReadonlyMap<string, AnyMethod> | undefined;

function indexMethods(): ReadonlyMap<string, AnyMethod> {
  const index = new Map<string, AnyMethod>();
  for (const [name, value] of Object.entries(protocol)) {
    if (!name.endsWith("ServiceDefinition") || typeof value !== "object" || value === null) {
      continue;
    }
    for (const method of Object.values(value as Record<string, AnyMethod>)) {
      index.set(method.path, method);
    }
  }
  return index;
}

/**
 * The gRPC method with this path (`/package.Service/Method`), from every service the
 * protocol defines; undefined for an unknown path. A keyed write's stored response is
 * encoded and decoded with it, on whichever thread runs the write.
 */
export function methodByPath(path: string): AnyMethod | undefined {
  byPath ??= indexMethods();
  return byPath.get(path);
}
