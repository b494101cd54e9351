"""trainchat: graph package."""
