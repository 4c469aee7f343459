# start a server on one SQLite file (created when missing)
npx threadline-server start --data ./threadline.db --port 50051
# in another terminal: add the bot's account; the command prints its bearer token
npx threadline-server accounts add bot@example.com --data ./threadline.db
