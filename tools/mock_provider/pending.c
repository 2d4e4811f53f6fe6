/* mock_provider/pending.c - temporary: formats not written yet answer 404. */
#include "mock_provider/mock_provider_int.h"

static void not_yet(const struct sy__mock_http_req *req, struct sy__mock_plan *plan)
{
    plan->ledger_tail = sy__mock_ledger_tail(req, SY_STR_NULL, false);
    plan->status = 404;
    plan->outcome = SY__MOCK_OUTCOME_ERROR;
    SY__MOCK_PUT_LIT(&plan->body, "{\"error\":\"not yet\"}");
    sy__mock_plan_head(plan, "application/json", NULL);
}

void sy__mock_bedrock_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                           int64_t now_s, struct sy__mock_plan *plan, struct sy_str model_id,
                           bool is_stream)
{
    (void)sh, (void)now_s, (void)model_id, (void)is_stream;
    not_yet(req, plan);
}

void sy__mock_oauth_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                         int64_t now_s, struct sy__mock_plan *plan)
{
    (void)sh, (void)now_s;
    not_yet(req, plan);
}
