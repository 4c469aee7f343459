# in a clone of this repository: build every package and pack it into ../threadline-packages
npx --yes pnpm@10.34.9 install --frozen-lockfile && npx --yes pnpm@10.34.9 build
npx --yes pnpm@10.34.9 -r --filter "./packages/*" pack --pack-destination ../threadline-packages
# in your project next to the clone: the lines above with tarballs, plus @threadline/protocol, which npm cannot fetch yet either
npm install ../threadline-packages/threadline-core-0.0.0.tgz ../threadline-packages/threadline-protocol-0.0.0.tgz ../threadline-packages/threadline-recovery-0.0.0.tgz better-sqlite3
npm install ../threadline-packages/threadline-core-0.0.0.tgz ../threadline-packages/threadline-protocol-0.0.0.tgz ../threadline-packages/threadline-chats-0.0.0.tgz ../threadline-packages/threadline-messages-0.0.0.tgz
npm install ../threadline-packages/threadline-core-0.0.0.tgz ../threadline-packages/threadline-protocol-0.0.0.tgz ../threadline-packages/threadline-chats-0.0.0.tgz ../threadline-packages/threadline-groups-0.0.0.tgz ../threadline-packages/threadline-polls-0.0.0.tgz
npm install ../threadline-packages/threadline-core-0.0.0.tgz ../threadline-packages/threadline-protocol-0.0.0.tgz ../threadline-packages/threadline-chats-0.0.0.tgz ../threadline-packages/threadline-messages-0.0.0.tgz ../threadline-packages/threadline-attachments-0.0.0.tgz ../threadline-packages/threadline-addresses-0.0.0.tgz ../threadline-packages/threadline-locations-0.0.0.tgz
npm install ../threadline-packages/threadline-server-0.0.0.tgz ../threadline-packages/threadline-protocol-0.0.0.tgz
