# Shared virtual memory: the platform layer (VA -> IOVA, pinning), the device
# page table and the SVM manager.
LIB_SRCS += svm/platform.c svm/platform_sim.c svm/pagetable.c svm/svm.c svm/hostmem.c
