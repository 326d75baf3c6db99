/* stdin_count.c -- reads stdin to the end in odd-sized chunks and prints
   line, word and byte counts and a checksum (like wc). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    unsigned char buf[37];
    size_t n, bytes = 0, lines = 0, words = 0;
    int in_word = 0;
    uint32_t sum = 2166136261u;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            sum = (sum ^ c) * 16777619u;
            if (c == '\n') lines++;
            if (isspace(c)) in_word = 0;
            else if (!in_word) {
                in_word = 1;
                words++;
            }
        }
        bytes += n;
    }
    printf("lines=%zu words=%zu bytes=%zu fnv=%08x\n", lines, words, bytes, (unsigned)sum);
    printf("eof=%d error=%d\n", feof(stdin) != 0, ferror(stdin) != 0);
    return 0;
}
