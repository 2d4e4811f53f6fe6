/* tests/fuzz/replay.c - runs every file named on the command line through the
 * fuzz target once. Needs no libFuzzer, so CI replays the corpora under gcc
 * with ASan and UBSan like any other test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 20];

    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        size_t len;
        uint8_t *input;

        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        input = malloc(len > 0 ? len : 1); /* exact size, so ASan sees over-reads */
        if (input == NULL)
            return 1;
        memcpy(input, buf, len);
        LLVMFuzzerTestOneInput(input, len);
        free(input);
    }
    printf("%d passed, 0 failed\n", argc - 1);
    return 0;
}
