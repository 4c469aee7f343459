# register the business number: Meta's phone number id, the app's secret, a system user token, a verify token you pick
npx threadline-server whatsapp add --phone-number-id "$WHATSAPP_PHONE_NUMBER_ID" --app-secret "$WHATSAPP_APP_SECRET" --access-token "$WHATSAPP_ACCESS_TOKEN" --verify-token "$WHATSAPP_VERIFY_TOKEN" --data ./threadline.db
# gRPC on 50051, Meta's webhooks on 8080 (GET and POST /webhooks/whatsapp)
npx threadline-server start --data ./threadline.db --port 50051 --http-port 8080
