/* A C99 consumer of the Collectives.Native.Runtime package: compiled against build/native/include/pccl.h and linked
 * with runtimes/linux-x64/native/libcollectives.so from the restored package (see .ci/pack-and-consume.sh). */
#include <pccl.h>

#include <stdio.h>

int main(void) {
    pcclBuildInfo_t info;
    if (collectivesGetVersion() != COLLECTIVES_PROTOCOL_VERSION) {
        fprintf(stderr, "native_check: protocol %d, header %d\n", collectivesGetVersion(), COLLECTIVES_PROTOCOL_VERSION);
        return 1;
    }
    if (pcclInit() != pcclSuccess || pcclGetBuildInfo(&info) != pcclSuccess || info.has_cuda_support) {
        fprintf(stderr, "native_check: %s\n", collectivesGetLastErrorMessage());
        return 1;
    }
    printf("native_check: libcollectives protocol %d: OK\n", collectivesGetVersion());
    return 0;
}
