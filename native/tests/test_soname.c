/* The library carries the SONAME "libcollectives.so", and a program linked against it records that name (not the
 * path it was linked from) as its dependency, so the binary finds the library wherever the loader looks for it.
 * Reads the dynamic sections of the library file and of this executable directly (ELF64 section headers), so the
 * check needs no readelf on the machine. */
#include "harness.h"

#include <elf.h>
#include <string.h>

#ifndef COLLECTIVES_LIBRARY_PATH
#error "COLLECTIVES_LIBRARY_PATH (the libcollectives.so the test is linked against) must be defined by the build"
#endif

#define MAX_ENTRIES 64
#define MAX_NAME 256

/* The names a dynamic section holds for one tag (DT_SONAME or DT_NEEDED). */
typedef struct {
    int count;
    char names[MAX_ENTRIES][MAX_NAME];
} dynamic_names_t;

static unsigned char *read_file(const char *path, long *size_out) {
    FILE *file = fopen(path, "rb");
    unsigned char *bytes;
    long size;
    CHECK(file != NULL);
    CHECK(fseek(file, 0, SEEK_END) == 0);
    size = ftell(file);
    CHECK(size > (long)sizeof(Elf64_Ehdr));
    CHECK(fseek(file, 0, SEEK_SET) == 0);
    bytes = (unsigned char *)malloc((size_t)size);
    CHECK(bytes != NULL);
    CHECK(fread(bytes, 1, (size_t)size, file) == (size_t)size);
    fclose(file);
    *size_out = size;
    return bytes;
}

/* Bounds-checked view of [offset, offset + length) inside the file. */
static const unsigned char *at(const unsigned char *bytes, long size, Elf64_Off offset, Elf64_Xword length) {
    CHECK(offset <= (Elf64_Off)size && length <= (Elf64_Xword)size - offset);
    return bytes + offset;
}

static dynamic_names_t dynamic_names(const char *path, Elf64_Sxword tag) {
    dynamic_names_t result;
    long size = 0;
    unsigned char *bytes = read_file(path, &size);
    Elf64_Ehdr header;
    Elf64_Half i;
    memset(&result, 0, sizeof result);
    memcpy(&header, bytes, sizeof header);
    CHECK(memcmp(header.e_ident, ELFMAG, SELFMAG) == 0);
    CHECK(header.e_ident[EI_CLASS] == ELFCLASS64);
    CHECK(header.e_shentsize == sizeof(Elf64_Shdr));
    for (i = 0; i < header.e_shnum; i++) {
        Elf64_Shdr section, strings;
        Elf64_Xword entry;
        memcpy(&section, at(bytes, size, header.e_shoff + (Elf64_Off)i * sizeof section, sizeof section), sizeof section);
        if (section.sh_type != SHT_DYNAMIC) {
            continue;
        }

        CHECK(section.sh_link < header.e_shnum);
        memcpy(&strings, at(bytes, size, header.e_shoff + (Elf64_Off)section.sh_link * sizeof strings, sizeof strings), sizeof strings);
        for (entry = 0; entry < section.sh_size / sizeof(Elf64_Dyn); entry++) {
            Elf64_Dyn dyn;
            const char *name;
            memcpy(&dyn, at(bytes, size, section.sh_offset + entry * sizeof dyn, sizeof dyn), sizeof dyn);
            if (dyn.d_tag == DT_NULL) {
                break;
            }

            if (dyn.d_tag != tag) {
                continue;
            }

            CHECK(dyn.d_un.d_val < strings.sh_size);
            name = (const char *)at(bytes, size, strings.sh_offset + dyn.d_un.d_val, 1);
            CHECK(strnlen(name, strings.sh_size - dyn.d_un.d_val) < MAX_NAME && result.count < MAX_ENTRIES);
            strcpy(result.names[result.count++], name);
        }
    }

    free(bytes);
    return result;
}

int main(void) {
    dynamic_names_t soname = dynamic_names(COLLECTIVES_LIBRARY_PATH, DT_SONAME);
    dynamic_names_t needed = dynamic_names("/proc/self/exe", DT_NEEDED);
    int i, found = 0;

    /* A real call, so the dependency cannot be dropped by --as-needed and the library demonstrably loads. */
    CHECK(collectivesGetVersion() == COLLECTIVES_PROTOCOL_VERSION);

    printf("%s: SONAME %s\n", COLLECTIVES_LIBRARY_PATH, soname.count == 1 ? soname.names[0] : "(none)");
    CHECK(soname.count == 1);
    CHECK(strcmp(soname.names[0], "libcollectives.so") == 0);
    for (i = 0; i < needed.count; i++) {
        printf("this test needs: %s\n", needed.names[i]);
        if (strstr(needed.names[i], "libcollectives") != NULL) {
            CHECK(strcmp(needed.names[i], "libcollectives.so") == 0); /* not a path baked in at link time */
            found++;
        }
    }

    CHECK(found == 1);
    puts("test_soname: ok");
    return 0;
}
