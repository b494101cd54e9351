"""trainchat: agent package."""
