npm install @threadline/core @threadline/recovery better-sqlite3                                                                         # a bot with a SQLite checkpoint
npm install @threadline/core @threadline/chats @threadline/messages                                                                      # chats and messages: send, reply, react
npm install @threadline/core @threadline/chats @threadline/groups @threadline/polls                                                      # group names, members, photos; polls
npm install @threadline/core @threadline/chats @threadline/messages @threadline/attachments @threadline/addresses @threadline/locations  # files, address lookups, shared locations
npm install @threadline/server                                                                                                           # the server, its CLI and test fixture
