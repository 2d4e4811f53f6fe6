/* tests/unit/providers/test_sigv4.c - tests src/providers/sigv4.c
 *
 * Two kinds of expected values, neither produced by the code under test:
 *  - AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite:
 *    get-vanilla, post-vanilla, ...; the .creq and .authz files), with its
 *    fixed inputs: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 *    us-east-1, service "service", 20150830T123600Z (1440938160).
 *  - Bedrock-shaped requests signed by botocore 1.43 (SigV4Auth, the signer
 *    the AWS CLI and boto3 use) at a fixed time. These pin the double
 *    encoding of the path: a model id "...-v1:0" is sent as "%3A" and signed
 *    as "%253A"; an ARN's '/' is sent as "%2F" and signed as "%252F". */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/pool.h"
#include "core/str.h"
#include "providers/provider.h"
#include "providers/sigv4.h"

#define SUITE_TIME  1440938160 /* 2015-08-30T12:36:00Z */
#define EMPTY_SHA   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_SCOPE "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

static const struct sy_sigv4_credentials suite_cred = {
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/* Signs and returns the Authorization line; the canonical request (before
 * the blank line) goes to `creq` when not NULL. */
static const char *sign(struct sy_pool *pool, const struct sy_sigv4_request *req,
                        const struct sy_sigv4_credentials *cred, struct sy_sigv4_result *res,
                        char **creq)
{
    struct sy_buf dbg = {0};

    assert_int_equal(sy_sigv4_sign(pool, req, cred, res, &dbg), 0);
    if (creq != NULL) {
        char *cut = strstr(dbg.ptr, "\n\nAWS4-HMAC-SHA256\n");
        assert_non_null(cut);
        *creq = sy_pool_strndup(pool, dbg.ptr, (size_t)(cut - dbg.ptr));
    }
    sy_buf_dispose(&dbg);
    assert_true(res->lines_count >= 2);
    assert_string_equal(res->lines[1], "X-Amz-Date: 20150830T123600Z");
    return res->lines[0];
}

static struct sy_sigv4_request suite_request(const char *method, const char *url)
{
    return (struct sy_sigv4_request){
        .method = method,
        .url = url,
        .region = "us-east-1",
        .service = "service",
        .now_unix = SUITE_TIME,
    };
}

/* ---- AWS's published suite ------------------------------------------------ */

static void get_vanilla_matches_the_aws_test_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req = suite_request("GET", "https://example.amazonaws.com/");
    struct sy_sigv4_result res;
    char *creq;
    const char *auth;

    (void)state;
    auth = sign(pool, &req, &suite_cred, &res, &creq);
    assert_string_equal(creq, "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
                              "\nhost;x-amz-date\n" EMPTY_SHA);
    assert_string_equal(auth, "Authorization: AWS4-HMAC-SHA256 Credential=" SUITE_SCOPE
                              ", SignedHeaders=host;x-amz-date, Signature="
                              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_int_equal(res.lines_count, 2);
    sy_pool_free(pool);
}

static void post_vanilla_matches_the_aws_test_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req = suite_request("POST", "https://example.amazonaws.com/");
    struct sy_sigv4_result res;
    struct sy_buf dbg = {0};

    (void)state;
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, &dbg), 0);
    /* The string to sign, as in post-vanilla.sts. */
    assert_non_null(strstr(dbg.ptr, "\n\nAWS4-HMAC-SHA256\n20150830T123600Z\n"
                                    "20150830/us-east-1/service/aws4_request\n"
                                    "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae"
                                    "622fc87"));
    assert_string_equal(res.signature,
                        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    sy_buf_dispose(&dbg);
    sy_pool_free(pool);
}

static void a_form_body_is_hashed_and_content_type_signed_as_in_the_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_header h[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
    struct sy_sigv4_request req = suite_request("POST", "https://example.amazonaws.com/");
    struct sy_sigv4_result res;
    char *creq;
    const char *auth;

    (void)state;
    req.headers = h;
    req.headers_count = 1;
    req.body = SY_STR("Param1=value1");
    auth = sign(pool, &req, &suite_cred, &res, &creq);
    assert_string_equal(creq, "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
                              "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                              "content-type;host;x-amz-date\n"
                              "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    assert_string_equal(auth, "Authorization: AWS4-HMAC-SHA256 Credential=" SUITE_SCOPE
                              ", SignedHeaders=content-type;host;x-amz-date, Signature="
                              "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    sy_pool_free(pool);
}

static void query_parameters_are_sorted_as_in_the_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req =
        suite_request("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1");
    struct sy_sigv4_result res;
    char *creq;

    (void)state;
    sign(pool, &req, &suite_cred, &res, &creq);
    assert_non_null(strstr(creq, "\n/\nParam1=value1&Param2=value2\n"));
    assert_string_equal(res.signature,
                        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    sy_pool_free(pool);
}

static void a_session_token_is_sent_and_signed_as_in_the_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req = suite_request("GET", "https://example.amazonaws.com/");
    struct sy_sigv4_credentials cred = suite_cred;
    struct sy_sigv4_result res;
    const char *auth;

    (void)state;
    cred.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    auth = sign(pool, &req, &cred, &res, NULL);
    assert_string_equal(auth, "Authorization: AWS4-HMAC-SHA256 Credential=" SUITE_SCOPE
                              ", SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
                              "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
    assert_int_equal(res.lines_count, 3);
    assert_string_equal(res.lines[2], "X-Amz-Security-Token: "
                                      "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf"
                                      "194267");
    sy_pool_free(pool);
}

static void header_values_are_trimmed_and_collapsed_as_in_the_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_header h[] = {{"My-Header1", "  value1  "},
                                  {"My-Header2", "  \"a   b   c\"  "}};
    struct sy_sigv4_request req = suite_request("GET", "https://example.amazonaws.com/");
    struct sy_sigv4_result res;
    char *creq;

    (void)state;
    req.headers = h;
    req.headers_count = 2;
    sign(pool, &req, &suite_cred, &res, &creq);
    assert_non_null(strstr(creq, "\nmy-header1:value1\nmy-header2:\"a b c\"\n"));
    assert_string_equal(res.signature,
                        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
    sy_pool_free(pool);
}

static void path_characters_are_encoded_as_in_the_suite(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req =
        suite_request("GET", "https://example.amazonaws.com/"
                             "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    struct sy_sigv4_result res;
    char *creq;

    (void)state;
    sign(pool, &req, &suite_cred, &res, NULL); /* get-unreserved */
    assert_string_equal(res.signature,
                        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
    req.url = "https://example.amazonaws.com/example space/"; /* get-space */
    sign(pool, &req, &suite_cred, &res, &creq);
    assert_non_null(strstr(creq, "\n/example%20space/\n"));
    assert_string_equal(res.signature,
                        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
    req.url = "https://example.amazonaws.com/\xe1\x88\xb4"; /* get-utf8 */
    sign(pool, &req, &suite_cred, &res, &creq);
    assert_non_null(strstr(creq, "\n/%E1%88%B4\n"));
    assert_string_equal(res.signature,
                        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
    sy_pool_free(pool);
}

/* ---- Bedrock, against botocore ------------------------------------------------ */

#define BEDROCK_BODY                                                          \
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello\"}]}]," \
    "\"inferenceConfig\":{\"maxTokens\":64}}"

static void a_bedrock_model_id_is_signed_with_its_colon_encoded_twice(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_header h[] = {{"Content-Type", "application/json"}};
    struct sy_sigv4_credentials cred = suite_cred;
    struct sy_sigv4_request req = {
        .method = "POST",
        .url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
               "anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        .headers = h,
        .headers_count = 1,
        .body = SY_STR(BEDROCK_BODY),
        .region = "us-east-1",
        .service = "bedrock",
        .now_unix = 1700000000, /* 2023-11-14T22:13:20Z */
    };
    struct sy_sigv4_result res;
    struct sy_buf dbg = {0};

    (void)state;
    cred.session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=";
    assert_int_equal(sy_sigv4_sign(pool, &req, &cred, &res, &dbg), 0);
    assert_non_null(strstr(dbg.ptr, "POST\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/"
                                    "converse\n\ncontent-type:application/json\n"
                                    "host:bedrock-runtime.us-east-1.amazonaws.com\n"
                                    "x-amz-date:20231114T221320Z\n"
                                    "x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=\n\n"
                                    "content-type;host;x-amz-date;x-amz-security-token\n"
                                    "f5b802cc64a01910fd197a46e9e959f3a5795f7728fa5710fb28f1ec3019f5"
                                    "45\n\n"));
    assert_int_equal(res.lines_count, 3);
    assert_string_equal(res.lines[0],
                        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/"
                        "bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                        "x-amz-security-token, Signature="
                        "a508383ab36ec2e1054b16a3cf7041e89e7b98531e15d4e174cac3258760b6b4");
    assert_string_equal(res.lines[1], "X-Amz-Date: 20231114T221320Z");
    assert_string_equal(res.lines[2], "X-Amz-Security-Token: IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=");

    /* The same without a token, streaming. */
    req.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
              "us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream";
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, NULL), 0);
    assert_string_equal(res.signature,
                        "ec04e75b3c61af3190e39dce2e5b80a0c0fca70c934e82d137ab4a7f362b9d6b");
    sy_buf_dispose(&dbg);
    sy_pool_free(pool);
}

static void an_arn_model_id_and_a_port_are_signed_as_botocore_does(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_header h[] = {{"Content-Type", "application/json"}};
    struct sy_buf url = {0};
    struct sy_sigv4_request req = {
        .method = "POST",
        .headers = h,
        .headers_count = 1,
        .body = SY_STR(BEDROCK_BODY),
        .region = "us-west-2",
        .service = "bedrock",
        .now_unix = SUITE_TIME,
    };
    const char *arn = "arn:aws:bedrock:us-west-2:123456789012:inference-profile/"
                      "us.meta.llama3-2-1b-instruct-v1:0";
    struct sy_sigv4_result res;
    struct sy_buf dbg = {0};

    (void)state;
    SY_BUF_APPEND_LIT(&url, "http://127.0.0.1:9000/model/");
    sy_sigv4_append_encoded(&url, arn, strlen(arn));
    SY_BUF_APPEND_LIT(&url, "/converse");
    assert_string_equal(url.ptr, "http://127.0.0.1:9000/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A"
                                 "123456789012%3Ainference-profile%2Fus.meta.llama3-2-1b-instruct-"
                                 "v1%3A0/converse");
    req.url = url.ptr;
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, &dbg), 0);
    assert_non_null(strstr(dbg.ptr, "\n/model/arn%253Aaws%253Abedrock%253Aus-west-2%253A"
                                    "123456789012%253Ainference-profile%252Fus.meta.llama3-2-1b-"
                                    "instruct-v1%253A0/converse\n"));
    assert_non_null(strstr(dbg.ptr, "\nhost:127.0.0.1:9000\n"));
    assert_string_equal(res.signature,
                        "6ae9cf4d578a41a9a9ce8e31819218a916b5ea309bde9f27dcb51914fe1a0604");
    sy_buf_dispose(&dbg);
    sy_buf_dispose(&url);
    sy_pool_free(pool);
}

/* ---- The bedrock kind signs what it sends ------------------------------------------ */

static void the_bedrock_kind_sends_what_botocore_signs(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    static const char client[] = "{\"model\":\"alias\",\"messages\":[{\"role\":\"user\","
                                 "\"content\":\"Hello\"}],\"max_tokens\":64}";
    struct sy_config_provider prov = {
        .name = "aws",
        .kind = SY_KIND_BEDROCK,
        .base_url = "https://bedrock-runtime.us-east-1.amazonaws.com",
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=",
    };
    struct sy_client_request creq = {.raw = SY_STR(client)};
    struct sy_build_ctx ctx = {
        .pool = pool,
        .ep = SY_EP_CHAT,
        .prov = &prov,
        .upstream_model = "anthropic.claude-3-haiku-20240307-v1:0",
        .creq = &creq,
        .now_unix = 1700000000,
    };
    struct sy_upstream_call call = {0};
    struct sy_config_header extra[] = {{"X-Team", "  blue  team "}};

    (void)state;
    assert_int_equal(sy_provider_bedrock.build(&ctx, &call), SY_OK);
    assert_string_equal(call.url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
                                  "anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    assert_true(sy_str_eq_c(call.body, BEDROCK_BODY));
    assert_int_equal(call.headers_count, 4);
    assert_string_equal(call.headers[0], "Content-Type: application/json");
    assert_string_equal(call.headers[1],
                        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/"
                        "bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                        "x-amz-security-token, Signature="
                        "a508383ab36ec2e1054b16a3cf7041e89e7b98531e15d4e174cac3258760b6b4");
    assert_string_equal(call.headers[2], "X-Amz-Date: 20231114T221320Z");
    assert_string_equal(call.headers[3], "X-Amz-Security-Token: IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=");

    /* Streaming, another region, no token, a configured header: signed too. */
    prov.base_url = "https://bedrock-runtime.eu-west-3.amazonaws.com";
    prov.region = "eu-west-3";
    prov.session_token = NULL;
    prov.headers = extra;
    prov.headers_count = 1;
    creq.is_stream = true;
    ctx.upstream_model = "mistral.mistral-large-2402-v1:0";
    assert_int_equal(sy_provider_bedrock.build(&ctx, &call), SY_OK);
    assert_string_equal(call.url, "https://bedrock-runtime.eu-west-3.amazonaws.com/model/"
                                  "mistral.mistral-large-2402-v1%3A0/converse-stream");
    assert_int_equal(call.headers_count, 4);
    assert_string_equal(
        call.headers[1],
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-3/"
        "bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-team, "
        "Signature=84db5a01adc793422156131470cc8adc198582725a66b499878b2e508237d333");
    assert_string_equal(call.headers[3], "X-Team:   blue  team ");

    /* Chat only. */
    ctx.ep = SY_EP_EMBEDDINGS;
    assert_int_equal(sy_provider_bedrock.build(&ctx, &call), SY_ERR_BAD_REQUEST);
    sy_pool_free(pool);
}

/* Not signing, but the only C test of the kind besides the golden cases (which
 * cannot express a refusal): what Converse cannot say is refused up front. */
static void the_bedrock_kind_refuses_what_converse_cannot_express(void **state)
{
    static const char *const refused[] = {
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"n\":2}",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
        "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
        "\"image_url\":{\"url\":\"data:image/tiff;base64,AAAA\"}}]}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}",
        "{\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"t\",\"type\":"
        "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{not json\"}}]}]}",
        "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":\"10\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"stop\":[1]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"tools\":[{\"type\":"
        "\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\"}",
        "{\"messages\":{}}",
    };
    struct sy_pool *pool = sy_pool_new();
    struct sy_config_provider prov = {
        .kind = SY_KIND_BEDROCK,
        .base_url = "https://bedrock-runtime.us-east-1.amazonaws.com",
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    struct sy_client_request creq = {0};
    struct sy_build_ctx ctx = {.pool = pool,
                               .ep = SY_EP_CHAT,
                               .prov = &prov,
                               .upstream_model = "m",
                               .creq = &creq,
                               .now_unix = 1700000000};
    struct sy_upstream_call call = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        creq.raw = sy_str_c(refused[i]);
        if (sy_provider_bedrock.build(&ctx, &call) != SY_ERR_BAD_REQUEST)
            fail_msg("not refused: %s", refused[i]);
    }
    sy_pool_free(pool);
}

/* ---- Edges ---------------------------------------------------------------------- */

static void a_default_port_is_left_out_of_the_host(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req = suite_request("GET", "https://example.amazonaws.com:443/");
    struct sy_sigv4_result res;

    (void)state;
    sign(pool, &req, &suite_cred, &res, NULL);
    assert_string_equal(res.signature,
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    sy_pool_free(pool);
}

static void content_sha256_is_sent_and_signed_when_asked(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_request req = suite_request("GET", "https://example.amazonaws.com/");
    struct sy_sigv4_result res;

    (void)state;
    req.sign_content_sha256 = true;
    sign(pool, &req, &suite_cred, &res, NULL);
    assert_int_equal(res.lines_count, 3);
    assert_string_equal(res.lines[2], "X-Amz-Content-Sha256: " EMPTY_SHA);
    assert_non_null(strstr(res.lines[0], "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
    sy_pool_free(pool);
}

static void a_url_without_host_or_a_signer_header_is_refused(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_sigv4_header h[] = {{"X-Amz-Date", "20150830T123600Z"}};
    struct sy_sigv4_request req = suite_request("GET", "https:///path");
    struct sy_sigv4_result res;

    (void)state;
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, NULL), -1);
    req.url = "no-scheme";
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, NULL), -1);
    req.url = "https://example.amazonaws.com/";
    req.headers = h;
    req.headers_count = 1;
    assert_int_equal(sy_sigv4_sign(pool, &req, &suite_cred, &res, NULL), -1);
    sy_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_vanilla_matches_the_aws_test_suite),
        cmocka_unit_test(post_vanilla_matches_the_aws_test_suite),
        cmocka_unit_test(a_form_body_is_hashed_and_content_type_signed_as_in_the_suite),
        cmocka_unit_test(query_parameters_are_sorted_as_in_the_suite),
        cmocka_unit_test(a_session_token_is_sent_and_signed_as_in_the_suite),
        cmocka_unit_test(header_values_are_trimmed_and_collapsed_as_in_the_suite),
        cmocka_unit_test(path_characters_are_encoded_as_in_the_suite),
        cmocka_unit_test(a_bedrock_model_id_is_signed_with_its_colon_encoded_twice),
        cmocka_unit_test(an_arn_model_id_and_a_port_are_signed_as_botocore_does),
        cmocka_unit_test(the_bedrock_kind_sends_what_botocore_signs),
        cmocka_unit_test(the_bedrock_kind_refuses_what_converse_cannot_express),
        cmocka_unit_test(a_default_port_is_left_out_of_the_host),
        cmocka_unit_test(content_sha256_is_sent_and_signed_when_asked),
        cmocka_unit_test(a_url_without_host_or_a_signer_header_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
