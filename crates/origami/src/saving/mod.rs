//! Saving and loading whole models: model directories and checkpoints.
//!
//! Above `spec` and `train` (a directory holds the spec, the weights, the
//! optimizer's state and the history), and written through [`crate::io`]'s
//! atomic writes and safetensors. Keras calls the same thing `keras.saving`.

mod model_dir;

pub use model_dir::{
    load_architecture, load_checkpoint, load_model, load_optimizer_state, recover, restore_rng_states, rng_states,
    save_checkpoint, save_model, save_optimizer_state, Checkpoint, Progress, ARCHITECTURE_FILE, HISTORY_FILE,
    OPTIMIZER_BUFFERS_FILE, OPTIMIZER_FILE, PROGRESS_FILE, WEIGHTS_FILE,
};
