//! A macro for the closed picklists of the original system (priority, origin, ...).
//!
//! Each picklist is a fieldless enum with serde (PascalCase names, as in the original
//! system's API values), `Display`, `FromStr` (case-insensitive, ignores `_`, `-` and
//! spaces) and an `ALL` constant in declaration order.

macro_rules! picklist {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The human label of the value, as the original system shows it.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                let norm: String = s
                    .chars()
                    .filter(|c| !matches!(c, '_' | '-' | ' '))
                    .flat_map(char::to_lowercase)
                    .collect();
                $(
                    if norm == stringify!($variant).to_lowercase() {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::error::Error::Parse {
                    what: $what,
                    input: s.chars().take(64).collect(),
                    reason: format!("expected one of {}", [$(stringify!($variant)),+].join(", ")),
                })
            }
        }
    };
}

pub(crate) use picklist;
