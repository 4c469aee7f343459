npm install @threadline/core @threadline/recovery better-sqlite3  # a bot with a SQLite checkpoint
npm install @threadline/core @threadline/messages                 # send, reply, edit, react
npm install @threadline/core @threadline/chats                    # a client that manages chats
npm install @threadline/server                                    # the server, its CLI and test fixture
