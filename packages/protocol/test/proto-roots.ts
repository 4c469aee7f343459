import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function listProtoFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return listProtoFiles(path);
      return name.endsWith(".proto") ? [path] : [];
    });
}

function loadRoot(includeDir: string, files: string[]): protobuf.Root {
  const bundledDir = dirname(require.resolve("protobufjs/package.json"));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const base of [includeDir, bundledDir]) {
      const candidate = join(base, target);
      try {
        statSync(candidate);
        return candidate;
      } catch {
        // try the next include directory
      }
    }
    return target;
  };
  root.loadSync(files, { keepCase: false });
  root.resolveAll();
  return root;
}

/** Reflection of Threadline's own proto/ files (the source the static code came from). */
export function loadThreadlineRoot(): protobuf.Root {
  const protoDir = join(packageDir, "..", "..", "proto");
  return loadRoot(protoDir, listProtoFiles(protoDir));
}

/** Reflection of the .proto files shipped inside @photon-ai/advanced-imessage@2.2.0. */
export function loadPublishedRoot(): protobuf.Root {
  // The package's exports map hides package.json, so find its folder from the grpc entry.
  const entry = require.resolve("@photon-ai/advanced-imessage/grpc");
  const protoDir = join(entry.slice(0, entry.lastIndexOf("/dist/")), "proto");
  return loadRoot(protoDir, listProtoFiles(join(protoDir, "photon")));
}

/** Every message type under a namespace, recursively. */
export function messageTypes(namespace: protobuf.NamespaceBase): protobuf.Type[] {
  const types: protobuf.Type[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) types.push(nested, ...messageTypes(nested));
    else if (nested instanceof protobuf.Namespace) types.push(...messageTypes(nested));
  }
  return types;
}

/** Every service under a namespace, recursively. */
export function services(namespace: protobuf.NamespaceBase): protobuf.Service[] {
  const found: protobuf.Service[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Service) found.push(nested);
    else if (nested instanceof protobuf.Namespace) found.push(...services(nested));
  }
  return found;
}
