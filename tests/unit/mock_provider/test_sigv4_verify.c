/* tests/unit/mock_provider/test_sigv4_verify.c - the mock's SigV4 verifier against AWS's
 * published Signature Version 4 test suite and a Bedrock request signed by botocore.
 *
 * Suite inputs: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, us-east-1, service
 * "service", 20150830T123600Z (1440938160). Each request is given as the suite's .req file
 * (HTTP/1.1 wire text) with the suite's Authorization line, and parsed by the mock's own
 * HTTP parser, so the verifier sees exactly what it sees in the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock_provider/mock_provider_int.h"

#define SUITE_KEY    "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME   1440938160
#define SUITE_AUTH                     \
    "Authorization: AWS4-HMAC-SHA256 " \
    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
#define SUITE_HEAD "Host:example.amazonaws.com\r\nX-Amz-Date:20150830T123600Z\r\n"

/* Parses `raw` and verifies it; the canonical request and string to sign go to `canon`. */
static enum sy__mock_sigv4 verify_with(const char *raw, const char *secret, const char *service,
                                       int64_t now, struct sy_buf *canon)
{
    struct sy__mock_http_req *req = calloc(1, sizeof(*req));
    struct sy__mock_chunked st = {0};
    struct sy_buf scratch = {0};
    enum sy__mock_sigv4 rc;

    assert_non_null(req);
    assert_int_equal(sy__mock_http_parse(raw, strlen(raw), req, &st, &scratch),
                     (ssize_t)strlen(raw));
    rc = sy__mock_sigv4_verify(req, SUITE_KEY, secret, service, now, canon);
    free(req);
    sy_buf_dispose(&scratch);
    return rc;
}

static enum sy__mock_sigv4 verify(const char *raw)
{
    return verify_with(raw, SUITE_SECRET, "service", SUITE_TIME, NULL);
}

static void accepts_get_vanilla_and_builds_its_canonical_request(void **state)
{
    struct sy_buf canon = {0};

    (void)state;
    assert_int_equal(verify_with("GET / HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH
                                 "SignedHeaders=host;x-amz-date, Signature="
                                 "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                                 "\r\n\r\n",
                                 SUITE_SECRET, "service", SUITE_TIME, &canon),
                     SY__MOCK_SIGV4_OK);
    assert_string_equal(canon.ptr,
                        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "host;x-amz-date\n"
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n"
                        "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                        "20150830/us-east-1/service/aws4_request\n"
                        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    sy_buf_dispose(&canon);
}

static void accepts_post_vanilla(void **state)
{
    (void)state;
    assert_int_equal(verify("POST / HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH
                            "SignedHeaders=host;x-amz-date, Signature="
                            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
                            "\r\n\r\n"),
                     SY__MOCK_SIGV4_OK);
}

static void sorts_query_parameters_as_the_suite_does(void **state)
{
    (void)state;
    assert_int_equal(verify("GET /?Param2=value2&Param1=value1 HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH
                            "SignedHeaders=host;x-amz-date, Signature="
                            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
                            "\r\n\r\n"),
                     SY__MOCK_SIGV4_OK);
}

static void hashes_a_form_body_with_its_content_type_signed(void **state)
{
    (void)state;
    assert_int_equal(
        verify("POST / HTTP/1.1\r\nContent-Type:application/x-www-form-urlencoded\r\n" SUITE_HEAD
                   SUITE_AUTH "SignedHeaders=content-type;host;x-amz-date, "
               "Signature="
               "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
               "\r\nContent-Length: 13\r\n\r\nParam1=value1"),
        SY__MOCK_SIGV4_OK);
}

static void trims_and_collapses_header_values(void **state)
{
    (void)state;
    assert_int_equal(verify("GET / HTTP/1.1\r\n" SUITE_HEAD "My-Header1:    value1  \r\n"
                            "My-Header2:  \"a   b   c\"  \r\n" SUITE_AUTH
                            "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature="
                            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
                            "\r\n\r\n"),
                     SY__MOCK_SIGV4_OK);
}

static void encodes_utf8_and_keeps_unreserved_path_bytes(void **state)
{
    (void)state;
    assert_int_equal(verify("GET /\xe1\x88\xb4 HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH
                            "SignedHeaders=host;x-amz-date, Signature="
                            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
                            "\r\n\r\n"),
                     SY__MOCK_SIGV4_OK);
    assert_int_equal(
        verify("GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz "
               "HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH "SignedHeaders=host;x-amz-date, Signature="
               "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f\r\n\r\n"),
        SY__MOCK_SIGV4_OK);
}

static void accepts_a_signed_session_token(void **state)
{
    (void)state;
    assert_int_equal(
        verify(
            "GET / HTTP/1.1\r\n" SUITE_HEAD
            "X-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
            "\r\n" SUITE_AUTH "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8\r\n\r\n"),
        SY__MOCK_SIGV4_OK);
}

#define BEDROCK_BODY                                                          \
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello\"}]}]," \
    "\"inferenceConfig\":{\"maxTokens\":64}}"

#define BEDROCK_REQ(sig)                                                                        \
    "POST /model/anthropic.claude-3-haiku-20240307-v1%3A0/converse HTTP/1.1\r\n"                \
    "Content-Type: application/json\r\nHost: bedrock-runtime.us-east-1.amazonaws.com\r\n"       \
    "X-Amz-Date: 20231114T221320Z\r\nX-Amz-Security-Token: IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=\r\n" \
    "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/bedrock/"        \
    "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "           \
    "Signature=" sig "\r\nContent-Length: 94\r\n\r\n" BEDROCK_BODY

/* botocore signs the model id's "%3A" as "%253A": the path is encoded once more. */
static void accepts_a_bedrock_request_signed_by_botocore(void **state)
{
    struct sy_buf canon = {0};

    (void)state;
    assert_int_equal(strlen(BEDROCK_BODY), 94);
    assert_int_equal(
        verify_with(BEDROCK_REQ("a508383ab36ec2e1054b16a3cf7041e89e7b98531e15d4e174cac3258760b6b4"),
                    SUITE_SECRET, "bedrock", 1700000000, &canon),
        SY__MOCK_SIGV4_OK);
    assert_non_null(strstr(canon.ptr, "\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/"
                                      "converse\n"));
    sy_buf_dispose(&canon);
}

static void refuses_what_does_not_match(void **state)
{
    const char *good =
        BEDROCK_REQ("a508383ab36ec2e1054b16a3cf7041e89e7b98531e15d4e174cac3258760b6b4");
    char *changed = strdup(good);

    (void)state;
    /* Another secret, another clock, another service. */
    assert_int_equal(verify_with(good, "not-the-secret", "bedrock", 1700000000, NULL),
                     SY__MOCK_SIGV4_MISMATCH);
    assert_int_equal(verify_with(good, SUITE_SECRET, "bedrock", 1700000000 + 301, NULL),
                     SY__MOCK_SIGV4_EXPIRED);
    assert_int_equal(verify_with(good, SUITE_SECRET, "s3", 1700000000, NULL), SY__MOCK_SIGV4_SCOPE);
    /* One byte of the body. */
    changed[strlen(changed) - 3] = '5';
    assert_int_equal(verify_with(changed, SUITE_SECRET, "bedrock", 1700000000, NULL),
                     SY__MOCK_SIGV4_MISMATCH);
    free(changed);
    /* No Authorization, a mangled one, another key id. */
    assert_int_equal(verify("GET / HTTP/1.1\r\n" SUITE_HEAD "\r\n"), SY__MOCK_SIGV4_MISSING);
    assert_int_equal(verify("GET / HTTP/1.1\r\n" SUITE_HEAD "Authorization: Bearer x\r\n\r\n"),
                     SY__MOCK_SIGV4_MALFORMED);
    assert_int_equal(
        verify("GET / HTTP/1.1\r\n" SUITE_HEAD
               "Authorization: AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/"
               "aws4_request, SignedHeaders=host;x-amz-date, Signature="
               "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\n\r\n"),
        SY__MOCK_SIGV4_UNKNOWN_KEY);
    /* A signed header the request does not have. */
    assert_int_equal(verify("GET / HTTP/1.1\r\n" SUITE_HEAD SUITE_AUTH
                            "SignedHeaders=host;x-amz-date;x-other, Signature="
                            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                            "\r\n\r\n"),
                     SY__MOCK_SIGV4_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_get_vanilla_and_builds_its_canonical_request),
        cmocka_unit_test(accepts_post_vanilla),
        cmocka_unit_test(sorts_query_parameters_as_the_suite_does),
        cmocka_unit_test(hashes_a_form_body_with_its_content_type_signed),
        cmocka_unit_test(trims_and_collapses_header_values),
        cmocka_unit_test(encodes_utf8_and_keeps_unreserved_path_bytes),
        cmocka_unit_test(accepts_a_signed_session_token),
        cmocka_unit_test(accepts_a_bedrock_request_signed_by_botocore),
        cmocka_unit_test(refuses_what_does_not_match),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
