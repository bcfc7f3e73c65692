# circe_mmu (L1 TLB + page-table walker) through its flat-signal wrapper;
# NumPorts and Slots must match kPorts and kSlots in tb_mmu.cpp.
$(eval $(call circe_rtl_bench,tb_mmu,tb_mmu_top,-GNumPorts=3 -GSlots=4,sim/benches/tb_mmu_top.sv))
