/* Judging a finished POST /ota. */
#include "upload.h"

#include <stdio.h>

#include <curl/curl.h>

#include "node_status.h"

upload_verdict_t upload_judge(const http_result_t *r, size_t body_len, bool token_sent,
                              auth_refusal_t *auth, char *why, size_t why_len)
{
    char message[200];
    char code[32];
    auth_refusal_t refusal = AUTH_REFUSAL_NONE;
    if (auth != NULL) {
        *auth = AUTH_REFUSAL_NONE;
    }
    /* A refusal may come while the body is still going out: the handler
     * answers and closes without reading it, and the client then sees its
     * send fail. The answer is what counts. */
    if (r->http_status != 0 && (r->curl_code == CURLE_OK || r->http_status >= 400)) {
        node_reply_message(r->body, r->body_len, message, sizeof(message));
        switch (r->http_status) {
            case 200:
                snprintf(why, why_len, "sent, rebooting");
                return UPLOAD_ACCEPTED;
            case 401:
            case 403:
                auth_refusal_code_of(r->body, r->body_len, code, sizeof(code));
                refusal = auth_refusal_classify_code(r->http_status, token_sent, code, message);
                if (auth != NULL) {
                    *auth = refusal;
                }
                auth_refusal_explain(refusal, r->http_status, message, why, why_len);
                return refusal == AUTH_REFUSAL_NOT_PROVISIONED ? UPLOAD_NOT_PROVISIONED
                                                               : UPLOAD_TOKEN_REJECTED;
            case 409:
                snprintf(why, why_len,
                         "node is still confirming its running image (PENDING_VERIFY) (409: %s)",
                         message);
                return UPLOAD_BUSY;
            default:
                snprintf(why, why_len, "node refused the image (%ld: %s)", r->http_status, message);
                return UPLOAD_REJECTED;
        }
    }
    uint64_t sent = r->bytes_sent;
    if (r->reply_timed_out) {
        snprintf(why, why_len, "sent all %zu bytes, but the node never replied (%s)", body_len,
                 r->error);
        return UPLOAD_UNANSWERED;
    }
    if (sent >= body_len && body_len > 0) {
        /* The node answered with a reset or nothing: it was restarting. */
        snprintf(why, why_len, "sent, rebooting (connection ended without a reply: %s)", r->error);
        return UPLOAD_SENT_NO_REPLY;
    }
    if (sent == 0 &&
        (r->curl_code == CURLE_COULDNT_CONNECT || r->curl_code == CURLE_OPERATION_TIMEDOUT ||
         r->curl_code == CURLE_COULDNT_RESOLVE_HOST)) {
        snprintf(why, why_len, "unreachable: %s", r->error);
        return UPLOAD_UNREACHABLE;
    }
    snprintf(why, why_len, "upload interrupted after %llu of %zu bytes: %s",
             (unsigned long long)sent, body_len, r->error);
    return UPLOAD_INTERRUPTED;
}
