/* Outcome names: part of the --json contract, never renamed. */
#include "node_result.h"

#include <stdlib.h>

const char *node_outcome_name(node_outcome_t outcome)
{
    switch (outcome) {
        case NODE_PENDING:
            return "pending";
        case NODE_CONFIRMED:
            return "confirmed";
        case NODE_SKIPPED:
            return "skipped";
        case NODE_SENT:
            return "sent";
        case NODE_REFUSED:
            return "refused";
        case NODE_UNREACHABLE:
            return "unreachable";
        case NODE_BAD_STATUS:
            return "bad-status";
        case NODE_TOKEN_REJECTED:
            return "token-rejected";
        case NODE_BUSY:
            return "busy";
        case NODE_REJECTED:
            return "rejected";
        case NODE_INTERRUPTED:
            return "interrupted";
        case NODE_ROLLED_BACK:
            return "rolled-back";
        case NODE_NO_RETURN:
            return "no-return";
        case NODE_WRONG_IMAGE:
            return "wrong-image";
        case NODE_UNCONFIRMED:
            return "unconfirmed";
        case NODE_RESTARTED:
            return "restarted";
        case NODE_NOT_PROVISIONED:
            return "psk-not-provisioned";
        case NODE_NO_REPLY:
            return "no-reply";
        case NODE_NOT_RESTARTED:
            return "not-restarted";
        case NODE_NOT_STARTED:
            return "not-started";
        case NODE_MID_FLASH:
            return "interrupted-mid-flash";
        case NODE_UNVERIFIED:
            return "unverified";
        case NODE_WOULD_SEND:
            return "would-send";
        case NODE_BEARER_NEEDED:
            return "bearer-needed";
        case NODE_UNRESOLVED:
            return "unresolved";
    }
    return "unknown";
}

bool node_outcome_ok(node_outcome_t outcome)
{
    return outcome == NODE_CONFIRMED || outcome == NODE_SKIPPED || outcome == NODE_SENT ||
           outcome == NODE_WOULD_SEND;
}

void node_result_release(node_result_t *node)
{
    free(node->diagnosis);
    node->diagnosis = NULL;
}
