/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe public API.
 *
 * Conventions: every fallible function returns 0 or a negative errno
 * (-EINVAL, -EFAULT, -ENOMEM, -ETIMEDOUT, -EIO, ...); results come back
 * through out parameters. circe_strerror() turns a code into words and
 * circe_errmsg() gives the detail of the last error of the calling thread
 * (for example which device-tree property was wrong). Handles are opaque;
 * every destroy/close accepts NULL.
 *
 * Memory: the device reads and writes the caller's memory by virtual
 * address. A buffer handed to the device must be registered with the
 * context first (circe_mem_register); a job that touches memory that is not
 * registered ends with -EFAULT and the device runs the next job. Contexts
 * created with CIRCE_CTX_ON_DEMAND instead fault such memory in while the
 * job runs (see circe_ctx_create_ex).
 */
#ifndef CIRCE_CIRCE_H
#define CIRCE_CIRCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct circe_dev; /* one opened device (backend + device tree + SVM) */
struct circe_ctx; /* one address space (ASID) on a device */

/* ---- errors ---- */

/* Words for a negative errno returned by circe; never NULL. */
const char *circe_strerror(int err);
/* Detail of the last error set in this thread ("" if none). */
const char *circe_errmsg(void);

/* ---- devices ---- */

/*
 * Open a device.
 * uri:      "fmodel:" (functional model), "vsim:" (Verilator RTL model),
 *           "xrt:0" (Alveo card). Backend options may follow the colon,
 *           comma separated, e.g. "fmodel:rows=8,cols=8".
 * dtb_path: compiled device tree describing the device; NULL uses
 *           $CIRCE_DTB, else the default built into the library.
 * The device tree is checked against the device's ID registers; a mismatch
 * fails with -ENODEV and circe_errmsg() names both values.
 */
int circe_open(const char *uri, const char *dtb_path, struct circe_dev **out);
void circe_close(struct circe_dev *dev);

/* Job timeout in milliseconds (default 60000, or $CIRCE_TIMEOUT_MS). A job
 * that does not finish in time is aborted by a device reset: -ETIMEDOUT. */
int circe_set_timeout(struct circe_dev *dev, unsigned timeout_ms);

struct circe_info {
	char backend[16];
	char compatible[64];
	uint32_t version; /* hw.h CIRCE_HW_VERSION layout */
	uint32_t array_rows, array_cols;
	uint32_t tlb_l1_entries, tlb_l2_sets, tlb_l2_ways;
	uint32_t num_asids;
	uint32_t walkers;
	uint32_t features; /* CIRCE_HW_FEAT_* */
	uint64_t reg_base, reg_size;
	uint64_t clock_hz;
	uint32_t mem_latency_cycles;
	uint32_t mem_bytes_per_cycle;
	uint32_t mem_max_outstanding;
};
int circe_get_info(struct circe_dev *dev, struct circe_info *info);

/* ---- contexts and memory ---- */

int circe_ctx_create(struct circe_dev *dev, struct circe_ctx **out);

/*
 * CIRCE_CTX_ON_DEMAND: on-demand paging. A job may touch memory that is not
 * registered: the device's translation fault goes to the device's fault
 * worker thread (not the thread waiting for the job), which checks that
 * this process maps the page with the permission the access needs (read;
 * write for a write), pins it, enters a 4 KiB page-table entry and lets the
 * device resume. Otherwise (NULL, unmapped, PROT_NONE, a write to a
 * read-only mapping) the job ends with -EFAULT and circe_errmsg() names the
 * VA and why. Pages faulted in stay pinned until circe_mem_unregister of a
 * range holding them (a registration's range, or any range of faulted-in
 * pages) or circe_ctx_destroy; release them before unmapping or freeing the
 * memory. Registered memory keeps its registered permissions: a write to a
 * page registered CIRCE_MEM_READ still faults and aborts.
 * Without the flag (circe_ctx_create), unregistered memory faults and the
 * job ends with -EFAULT.
 */
#define CIRCE_CTX_ON_DEMAND (1u << 0)

struct circe_ctx_options {
	uint32_t flags; /* CIRCE_CTX_* */
};

/* opts NULL: as circe_ctx_create. -EINVAL for unknown flags. */
int circe_ctx_create_ex(struct circe_dev *dev, const struct circe_ctx_options *opts,
			struct circe_ctx **out);

/* Unregisters everything still registered or faulted in (invalidating the
 * device TLB before unpinning) and frees the ASID. If a job is running on
 * the device it waits for that job to end first, so that the ASID is never
 * reused under a running job. */
void circe_ctx_destroy(struct circe_ctx *ctx);

#define CIRCE_MEM_READ (1u << 0)
#define CIRCE_MEM_WRITE (1u << 1)
#define CIRCE_MEM_RW (CIRCE_MEM_READ | CIRCE_MEM_WRITE)

/*
 * Make [va, va + len) reachable by the device with the given permissions.
 * The range is widened to whole 4 KiB pages, pinned and entered in the
 * context's page table. Registrations may overlap: a page stays mapped
 * while any registration covers it, with the union of their permissions.
 * Unregister takes exactly the (va, len) of an earlier registration.
 * The process must map the whole range with the permissions asked for:
 * registering for writing memory the process maps read-only is -EACCES,
 * unmapped memory -EFAULT (circe_errmsg() names the page and the mapping).
 * Errors: -EINVAL (len 0, flags 0, wrapping range, va above 48 bits),
 * -ENOMEM (pinned-bytes limit reached), -EEXIST (the same (va, len)
 * registered twice), -ENOENT (unregister of something not registered, and
 * in an on-demand context holding no faulted-in page either).
 */
int circe_mem_register(struct circe_ctx *ctx, const void *va, size_t len, unsigned flags);
int circe_mem_unregister(struct circe_ctx *ctx, const void *va, size_t len);

/* Memory figures of a device (all its contexts), since circe_open. */
struct circe_mem_stats {
	uint64_t pinned_bytes;	    /* now: user pages + page-table pages */
	uint64_t pinned_peak_bytes; /* the most it has been */
	uint64_t pinned_limit;
	uint64_t registrations; /* live */
	uint64_t faults;	/* device faults answered: resolved + aborted */
	uint64_t faults_resolved, faults_aborted;
	uint64_t demand_pages; /* live pages pinned by on-demand faults */
	uint64_t invalidations;
	/* Host time of the fault worker per resolved fault, from reading the
	 * fault record to writing RESUME, over the most recent 65536 faults. */
	uint64_t fault_service_samples;
	double fault_service_median_us, fault_service_p99_us, fault_service_max_us;
};
int circe_get_mem_stats(struct circe_dev *dev, struct circe_mem_stats *stats);

/* ---- per-job figures ---- */

struct circe_job_stats {
	bool cycles_valid; /* false on backends without cycle counts (fmodel) */
	uint64_t cycles;
	uint64_t compute_cycles;
	uint64_t macs;
	uint64_t dma_read_bytes, dma_write_bytes;
	uint64_t tlb_l1_hits, tlb_l1_misses, tlb_l2_hits, tlb_l2_misses;
	uint64_t walks, walk_cycles, faults, stall_cycles;
	uint64_t pte_reads;	  /* page-table entries the walks used... */
	uint64_t walk_cache_hits; /* ...of which the walker's walk cache held */
	uint64_t descriptors;
	double wall_seconds;
};

/* ---- GEMM ---- */

/*
 * Y[m][n] = clamp(out_zp + requant_n(sum_k (A[m][k] - in_zp) * W[n][k]
 *                                     + bias[n]))
 * with requant_n the fixed-point multiplier of
 *   (double)input_scale * (double)weight_scales[n] / (double)output_scale
 * (per-tensor: weight_scales[0] for every n), TFLite's default rounding.
 * All arrays are row-major and must be registered with the context.
 */
struct circe_gemm {
	size_t m, k, n;
	const int8_t *input; /* [m][k] */
	float input_scale;
	int32_t input_zero_point;
	/* weight_bits 8: int8 [n][k]. weight_bits 4: packed by
	 * circe_int4_pack(): [n][(k + 1) / 2] bytes. */
	const void *weights;
	unsigned weight_bits;
	const float *weight_scales; /* [num_weight_scales] */
	size_t num_weight_scales;   /* 1 (per tensor) or n (per channel) */
	const int32_t *bias;	    /* [n], scale input_scale * weight_scale; or NULL */
	void *output;		    /* int8 [m][n], or int16 with output_bits 16 */
	unsigned output_bits;	    /* 8 (default when 0) or 16 */
	float output_scale;
	int32_t output_zero_point;
	bool relu;
};

/* Runs on the device; stats may be NULL. */
int circe_gemm_run(struct circe_ctx *ctx, const struct circe_gemm *g,
		   struct circe_job_stats *stats);

/* Pack int8 values in [-8, 7], [rows][k], into [rows][(k + 1) / 2] bytes.
 * -ERANGE if a value is outside [-8, 7]. */
int circe_int4_pack(const int8_t *src, size_t rows, size_t k, uint8_t *dst);

/* Fixed-point multiplier of a real multiplier, as TFLite's
 * QuantizeMultiplier: real = m0 * 2^(shift - 31), m0 in [2^30, 2^31),
 * frexp and round half away from zero; a real whose exponent ends below
 * -31 (about 2^-32 and smaller, after the rounding carry) or 0 gives (0, 0).
 * -EINVAL for negative, NaN or infinite, -ERANGE if shift > 30. */
int circe_quantize_multiplier(double real, int32_t *m0, int32_t *shift);

/* ---- block-circulant products ----
 *
 * y_b[n_out] = clamp(out_zp + requant_i(C x_b + bias)) for b < batch, with C
 * [n_out][n_in] made of p x q blocks of k x k (p = n_out / k, q = ceil(n_in
 * / k)), block (i, j) circ(w_ij)[r][c] = w_ij[(r - c) mod k]; input elements
 * at or past n_in count as 0. requant_i is the fixed-point multiplier of
 *   (double)input_scale * (double)weight_scales[i] / (double)output_scale
 * for the k outputs of block row i (per tensor: weight_scales[0]). The
 * input is symmetric (no zero point). k = 1 is a dense matrix-vector
 * product per batch element (W [n_out][n_in], one scale per output row).
 * All arrays are row-major and must be registered with the context.
 * docs/numerics.md, "Quantized layers".
 */
struct circe_circ {
	size_t n_in, n_out, k, batch; /* k in 1, 2, 4, 8, 16; n_out a multiple of k */
	const int8_t *input;	      /* [batch][n_in] */
	float input_scale;
	const int8_t *weights;	    /* [n_out / k][q * k]: row i holds w_i0 .. w_i(q-1) */
	const float *weight_scales; /* [num_weight_scales] */
	size_t num_weight_scales;   /* 1 (per tensor) or n_out / k (per block row) */
	const int32_t *bias;	    /* [n_out], scale input_scale * weight_scale; or NULL */
	void *output;		    /* int8 [batch][n_out], or int16 with output_bits 16 */
	unsigned output_bits;	    /* 8 (default when 0) or 16 */
	float output_scale;
	int32_t output_zero_point;
	bool relu;
};

/* Runs on the device; stats may be NULL. */
int circe_circ_run(struct circe_ctx *ctx, const struct circe_circ *c,
		   struct circe_job_stats *stats);

/* ---- memory engine (docs/memeng.md) ----
 *
 * Pointer-rich commands that the device runs on the caller's memory by
 * virtual address, through its MMU, like GEMM: every buffer (and every
 * list node or tree node) must be registered with the context, and one that
 * is not ends the job with -EFAULT. Bad data found while running (a CSR
 * index out of range, a tree deeper than its cap, a misaligned node
 * pointer) ends it with -EINVAL and circe_errmsg() naming the reason.
 * Devices without CIRCE_HW_FEAT_MEMENG reject these with -EINVAL too.
 */

/* dst[i] = src[i] for i < bytes, any alignment; the ranges must not overlap
 * (-EINVAL). Lengths above one descriptor's limit are split over several
 * descriptors of one job. */
int circe_copy_run(struct circe_ctx *ctx, void *dst, const void *src, size_t bytes,
		   struct circe_job_stats *stats);

/* Follow a linked list from start: at each node read the uint64_t at
 * value_offset (checksum = rotl64(checksum, 7) ^ value) and the next
 * pointer at next_offset. Nodes and both offsets are 8-byte aligned,
 * offsets at most 4088. max_nodes >= 1 nodes are visited; with
 * stop_at_null the chase also ends at a NULL pointer (without it a NULL
 * pointer faults like any other unregistered address). */
struct circe_pchase {
	const void *start;
	size_t next_offset;
	size_t value_offset;
	uint32_t max_nodes;
	bool stop_at_null;
};

struct circe_pchase_result {
	uint64_t nodes;	   /* nodes visited */
	uint64_t checksum; /* over their values, in order */
	uint64_t last;	   /* address of the last node visited, 0 if none */
	uint64_t next;	   /* the next pointer where the chase stopped */
};

int circe_pchase_run(struct circe_ctx *ctx, const struct circe_pchase *p,
		     struct circe_pchase_result *out, struct circe_job_stats *stats);

/* y[r] = sum_{j in [row_ptr[r], row_ptr[r + 1])} values[j] * x[col_idx[j]]
 * in int32 with two's-complement wrap, no requantization. row_ptr has
 * rows + 1 entries from 0 to nnz, non-decreasing; col_idx in [0, cols).
 * row_ptr, col_idx and y are 4-byte aligned. */
struct circe_spmv {
	size_t rows, cols, nnz;
	const int32_t *row_ptr; /* [rows + 1] */
	const int32_t *col_idx; /* [nnz] */
	const int8_t *values;	/* [nnz] */
	const int8_t *x;	/* [cols] */
	int32_t *y;		/* [rows] */
};

int circe_spmv_run(struct circe_ctx *ctx, const struct circe_spmv *s,
		   struct circe_job_stats *stats);

/* A decision-tree node as the device reads it (hw.h struct
 * circe_hw_tree_node): 32 bytes, 32-byte aligned. An inner node goes left
 * when x[feature] <= threshold, else right; a leaf has feature
 * CIRCE_TREE_LEAF and gives leaf_value. */
#define CIRCE_TREE_LEAF 0xFFFFFFFFu

struct circe_tree_node {
	const struct circe_tree_node *left;
	const struct circe_tree_node *right;
	uint32_t feature;
	int32_t threshold;
	int32_t leaf_value;
	uint32_t reserved; /* 0 */
};

/* Random-forest inference on one int32 feature vector: out[t] = leaf of
 * tree t (per_tree), or out[0] = the wrapping int32 sum over all trees.
 * roots[trees] is an array of node pointers. max_depth caps the edges
 * from root to leaf (0: the device limit, 4096), so a cycle ends with
 * -EINVAL. */
struct circe_forest {
	size_t trees, features;
	const struct circe_tree_node *const *roots;
	const int32_t *x; /* [features] */
	int32_t *out;	  /* [trees] with per_tree, else [1] */
	bool per_tree;
	unsigned max_depth;
};

int circe_forest_run(struct circe_ctx *ctx, const struct circe_forest *f,
		     struct circe_job_stats *stats);

/* ---- models (docs/model-format.md) ----
 *
 * A trained network in a safetensors file: float weights plus the layer
 * graph and calibration ranges in its __metadata__. Loading validates the
 * whole file (bad input is -EINVAL with circe_errmsg() naming the tensor or
 * the graph field), then quantizes the weights into device layers of the
 * context (host/layers.h), which keep their own registered memory: the
 * file is not needed after the load.
 */
struct circe_model; /* one loaded model on one context */

/* The model lives on ctx (destroy it before the context). */
int circe_model_load(struct circe_ctx *ctx, const char *path, struct circe_model **out);
/* The same from a file already in memory (buf is not kept). */
int circe_model_load_buffer(struct circe_ctx *ctx, const void *buf, size_t len,
			    struct circe_model **out);
void circe_model_destroy(struct circe_model *m);

struct circe_model_info {
	size_t in_features;  /* size of one input step */
	size_t out_features; /* size of one output (step) */
	/* true: the output has every step, [N][T][out]; false: the last
	 * step only, [N][out] (an LSTM with return_sequences false). */
	bool out_sequence;
	size_t num_layers;
	float input_absmax; /* input scale = input_absmax / 127 */
};
int circe_model_get_info(const struct circe_model *m, struct circe_model_info *info);

enum circe_model_layer_type {
	CIRCE_MODEL_LAYER_LSTM,
	CIRCE_MODEL_LAYER_FC,
};

struct circe_model_layer_info {
	enum circe_model_layer_type type;
	const char *name;			 /* owned by the model */
	size_t in, out;				 /* input and output sizes of one step */
	size_t hidden, proj, k_ih, k_hh, k_proj; /* lstm */
	bool return_sequences;			 /* lstm */
	size_t k;				 /* fc */
	bool relu;				 /* fc */
	float in_scale, out_scale;		 /* of the int8/int16 activations */
	unsigned out_bits;			 /* 8, or 16 (a last fc layer) */
};
/* Layer i (0 = first); -EINVAL past the last. */
int circe_model_get_layer(const struct circe_model *m, size_t i,
			  struct circe_model_layer_info *info);

/*
 * Run n sequences of steps steps: x float [n][steps][in_features], y float
 * [n][steps][out_features] (out_sequence) or [n][out_features]. Each
 * sequence starts from a zero LSTM state. The input is quantized with the
 * model's input scale (round half away from zero, clamped to [-127, 127];
 * NaN or infinite values are -EINVAL), runs through the layers on the
 * device, and the last layer's output is dequantized. stats (may be NULL)
 * gets the sum over every job of the run.
 */
int circe_model_run(struct circe_model *m, const float *x, size_t n, size_t steps, float *y,
		    struct circe_job_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* CIRCE_CIRCE_H */
