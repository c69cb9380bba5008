// Compiled as strict C++17 with -Wall -Wextra -Werror -pedantic: the header works from C++ unchanged, with C
// linkage for every function, and its types behave as plain C structs there.
#include <pccl.h>

#include <type_traits>

static_assert(std::is_standard_layout<pcclReduceDescriptor_t>::value, "ABI structs are plain C structs");
static_assert(std::is_trivially_copyable<ccoip_socket_address_t>::value, "ABI structs are plain C structs");
static_assert(std::is_same<decltype(&pcclAllReduce),
                           pcclResult_t (*)(const void *, void *, const pcclReduceDescriptor_t *, const pcclComm_t *,
                                            pcclReduceInfo_t *)>::value,
              "pcclAllReduce keeps PCCL 1.0's signature");
static_assert(sizeof(pcclReduceOpDescriptor_t) == 2 * sizeof(void *) + sizeof(pcclReduceDescriptor_t), "no hidden members");

extern "C" int collectives_header_check_cxx();

int collectives_header_check_cxx() {
    pcclReduceDescriptor_t descriptor{};
    descriptor.count = 4;
    descriptor.op = pcclSum;
    descriptor.src_descriptor.datatype = pcclFloat;
    descriptor.quantization_options.algorithm = pcclQuantNone;
    collectivesCommOptions_t options{};
    options.struct_size = sizeof options;
    return static_cast<int>(descriptor.count) + static_cast<int>(options.struct_size > 0);
}
